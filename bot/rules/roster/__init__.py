"""The organization's roster (名册): the people it lists, joined or not yet joined.

A person is in one place at a time: a roster row (`storage` table `roster`) until they join
by their personal link, then a member whose name, phone and notes came from that row. The
parts: `phones` (one way to write a phone number), and the modules of each flow beside it.
"""
