"""The fixed parts of an XLSX package (content types, relationships, properties) and its
styles, for `bot.rules.export.xlsx`."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from bot.rules.export.cells import Style, clean


def styles_xml(styles: list[Style]) -> str:
    """The workbook's styles: a cell's style number is its place in `styles`."""
    formats: dict[str, int] = {}
    fills: dict[str, int] = {}
    xfs = []
    for style in styles:
        fmt = 0
        if style.number_format:
            fmt = formats.setdefault(style.number_format, 164 + len(formats))
        fill = fills.setdefault(style.fill, 2 + len(fills)) if style.fill else 0
        attributes = (f'numFmtId="{fmt}" fontId="{1 if style.bold else 0}" fillId="{fill}"'
                      ' borderId="0" xfId="0"')
        if fmt:
            attributes += ' applyNumberFormat="1"'
        if style.bold:
            attributes += ' applyFont="1"'
        if fill:
            attributes += ' applyFill="1"'
        if style.wrap:
            xfs.append(f'<xf {attributes} applyAlignment="1">'
                       '<alignment wrapText="1" vertical="top"/></xf>')
        else:
            xfs.append(f"<xf {attributes}/>")
    num_fmts = "".join(f'<numFmt numFmtId="{n}" formatCode={quoteattr(code)}/>'
                       for code, n in formats.items())
    fill_xml = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
                       '<bgColor indexed="64"/></patternFill></fill>' for rgb in fills)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{NS}">'
            f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="{2 + len(fills)}"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fill_xml}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0"'
            ' borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>")


def quoted(title: str) -> str:
    return "'" + escape(title.replace("'", "''")) + "'"


NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties"'
    ' Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{R}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>")
APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
        '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Frontline</Application></Properties>")
CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties'
         f' xmlns:cp="{_PKG}/metadata/core-properties"'
         ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Frontline</dc:creator>'
         "</cp:coreProperties>")


def content_types(sheets: int) -> str:
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1))
    office = "application/vnd.openxmlformats-officedocument"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{_PKG}/content-types">'
            f'<Default Extension="rels" ContentType="{office[:12]}vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.'
            'sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.'
            'styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.spreadsheetml.'
            'sharedStrings+xml"/>'
            f'<Override PartName="/docProps/core.xml" ContentType="{office[:12]}'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{office}.'
            'extended-properties+xml"/>'
            f"{parts}</Types>")


def workbook_rels(sheets: int) -> str:
    rels = "".join(f'<Relationship Id="rId{n}" Type="{R}/worksheet"'
                   f' Target="worksheets/sheet{n}.xml"/>' for n in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}/relationships">{rels}'
            f'<Relationship Id="rId{sheets + 1}" Type="{R}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{sheets + 2}" Type="{R}/sharedStrings"'
            ' Target="sharedStrings.xml"/></Relationships>')


def shared_strings(strings: list[str]) -> str:
    """The shared strings' part: each string's number is its place in `strings`."""
    items = "".join(f'<si><t xml:space="preserve">{clean(s)}</t></si>' for s in strings)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            f"{items}</sst>")
