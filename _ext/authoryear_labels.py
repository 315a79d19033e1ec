"""Bibliography labels in author-year form, matching the in-text citations.

sphinxcontrib-bibtex's ``bibtex_reference_style: author_year`` only changes how citations
read in the text ("Seddik, 2026"); the bibliography list still shows the formatting
style's labels ("[Sed26]" for alpha). This registers a pybtex style, ``authoryear``, whose
labels are "Seddik, 2026", "Baik et al., 2005", "Marchenko and Pastur, 1967", so a reader
finds an entry under the name it was cited by.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person) -> str:
    return "".join(part.render_as("text") for part in person.rich_last_names)


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_last_name(p) for p in people]
            if not names:
                who = entry.key
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            yield f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
