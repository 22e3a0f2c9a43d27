"""What the demo's people type and upload, in each language (`bot.demo.script`)."""

# The roster the secretary uploads: the demo's members (`script.MEMBERS`), the group's
# leader, and one person who has not joined by the end of the day. {branch} and {group} are
# the branches' names.
ROSTER = {
    "zh": "姓名,手机,支部,身份,楼栋\n"
          "王芳,138 0013 8011,{branch},成员,3号楼\n"
          "李强,138 0013 8012,{branch},成员,3号楼\n"
          "张伟,138 0013 8013,{branch},成员,5号楼\n"
          "陈静,138 0013 8014,{branch}/{group},成员,5号楼\n"
          "刘洋,138 0013 8015,{group},成员,6号楼\n"
          "孙丽,138 0013 8003,{group},组长,6号楼\n"
          "赵敏,138 0013 8017,{group},成员,6号楼\n",
    "en": "name,phone,branch,role,building\n"
          "Amina,+44 7700 900011,{branch},member,Building 3\n"
          "Ben,+44 7700 900012,{branch},member,Building 3\n"
          "Chen,+44 7700 900013,{branch},member,Building 5\n"
          "Dana,+44 7700 900014,{branch}/{group},member,Building 5\n"
          "Eli,+44 7700 900015,{group},member,Building 6\n"
          "Sun Li,+44 7700 900003,{group},leader,Building 6\n"
          "Farah,+44 7700 900017,{group},member,Building 6\n",
}

NOTICE = {
    "zh": "明早 8:00 在社区服务中心集合，分组入户排查，请带好袖标和登记表。",
    "en": "Tomorrow 8:00 at the community centre: we split up for door-to-door checks. "
          "Bring armbands and the register.",
}


HOUSEHOLDS = {
    "zh": "区域,户号,地址,人数,备注,责任人\n"
          "3号楼,3-101,东湖路 3 号楼 101,2,,{third}\n"
          "3号楼,3-102,东湖路 3 号楼 102,1,独居老人,{third}\n"
          "3号楼,3-201,东湖路 3 号楼 201,3,,{first}\n"
          "3号楼,3-202,东湖路 3 号楼 202,2,居家隔离,{fourth}\n",
    "en": "zone,label,address,people,notes,responsible\n"
          "Building 3,3-101,\"3 East Lake Rd, flat 101\",2,,{third}\n"
          "Building 3,3-102,\"3 East Lake Rd, flat 102\",1,elderly living alone,{third}\n"
          "Building 3,3-201,\"3 East Lake Rd, flat 201\",3,,{first}\n"
          "Building 3,3-202,\"3 East Lake Rd, flat 202\",2,home quarantine,{fourth}\n",
}
VISIT_NOTE = {"zh": "老人发烧 38.5℃，家里没有退烧药", "en": "She has a fever of 38.5°C and no "
              "medicine at home"}
VISIT_NEED = {"zh": "需要退烧药和体温计，今天送到", "en": "Fever medicine and a thermometer, "
              "today"}
WHOM = {"zh": "楼下独居的周奶奶（82 岁）", "en": "Mrs Zhou downstairs, 82, living alone"}
NEED = {"zh": "降压药只剩两天的量，需要有人去社区医院代取。",
        "en": "Her blood-pressure pills run out in two days; someone must fetch them "
              "from the clinic."}
DECLINE = {"zh": "今天在卡口值班，走不开", "en": "On duty at the checkpoint all day"}
DONE = {"zh": "药已送到周奶奶家，她说谢谢大家", "en": "Pills delivered; she says thank you"}
