"""License detection for ingested source trees, sdists and wheels, as SPDX ids.

Evidence is taken in order of reliability, as The Stack and ScanCode-style tools rank it:

1. ``License-Expression`` in package metadata (PEP 639): already SPDX.
2. ``License ::`` trove classifiers: a fixed mapping to SPDX.
3. The free-text ``License:`` metadata field, when it is a short known name ("MIT", "BSD",
   "Apache 2.0") or when it holds a whole license text.
4. ``LICENSE``/``COPYING``/``NOTICE`` files: matched by phrases that are distinctive for each license.

Nothing here guesses: when no evidence matches, the result is empty and the caller records the
license as unknown. Normalising the many spellings of one license to its SPDX id for the policy
join happens later, in SQL, through ``seeds/license_aliases.csv``; this module only has to
recognise what package metadata says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import HeaderParser

from .languages import language_for_path

__all__ = [
    "LicenseEvidence",
    "detect_from_license_text",
    "detect_from_metadata",
    "is_license_file_name",
    "parse_spdx_expression",
]


@dataclass(frozen=True)
class LicenseEvidence:
    """SPDX ids found, and where they were found (for the raw ``license_evidence`` column)."""

    spdx_ids: tuple[str, ...]
    evidence: str

    @property
    def found(self) -> bool:
        return bool(self.spdx_ids)


# Trove classifier suffix (after "License :: ") -> SPDX id. Ambiguous classifiers such as
# "OSI Approved :: BSD License" map to the family's most common member; the raw metadata keeps
# the evidence string so an auditor can see what was read.
_CLASSIFIER_TO_SPDX: dict[str, str] = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: BSD License": "BSD-3-Clause",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU General Public License (GPL)": "GPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Library or Lesser General Public License (LGPL)": "LGPL-2.1-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "OSI Approved :: Academic Free License (AFL)": "AFL-3.0",
    "OSI Approved :: Artistic License": "Artistic-2.0",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "Public Domain": "LicenseRef-Public-Domain",
    "Other/Proprietary License": "LicenseRef-Proprietary",
}

# Short free-text ``License:`` values seen in PyPI metadata -> SPDX id. Matched case-insensitively
# after collapsing whitespace; anything longer than a line goes to text detection instead.
_SHORT_NAME_TO_SPDX: dict[str, str] = {
    "mit": "MIT",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit-0": "MIT-0",
    "expat": "MIT",
    "bsd": "BSD-3-Clause",
    "bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "2-clause bsd": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "asl 2": "Apache-2.0",
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "isc": "ISC",
    "isc license": "ISC",
    "mpl-2.0": "MPL-2.0",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "gpl": "GPL-2.0-or-later",
    "gplv2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "lgpl": "LGPL-2.1-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "unlicense": "Unlicense",
    "the unlicense": "Unlicense",
    "public domain": "LicenseRef-Public-Domain",
    "zlib": "Zlib",
    "zpl 2.1": "ZPL-2.1",
    "zpl": "ZPL-2.1",
    "cc0": "CC0-1.0",
    "wtfpl": "WTFPL",
}

_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+]*")
_SPDX_OPERATORS = {"AND", "OR", "WITH"}

# (SPDX id, phrases that must all occur, case-insensitive, whitespace-collapsed). Checked in
# order; the first rule of a family that matches wins, and several families can match one file
# (e.g. a LICENSE that bundles MIT and BSD texts for vendored code).
_TEXT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The GNU licenses are told apart by their title and dated version line: CPython's LICENSE
    # says "GPL-compatible" in a table, which must not read as a GPL text.
    ("AGPL-3.0-only", ("gnu affero general public license", "version 3, 19 november 2007")),
    ("LGPL-3.0-only", ("gnu lesser general public license", "version 3, 29 june 2007")),
    ("LGPL-2.1-only", ("gnu lesser general public license", "version 2.1, february 1999")),
    ("LGPL-2.0-only", ("gnu library general public license", "version 2, june 1991")),
    ("GPL-3.0-only", ("gnu general public license", "version 3, 29 june 2007")),
    ("GPL-2.0-only", ("gnu general public license", "version 2, june 1991")),
    ("Apache-2.0", ("apache license", "version 2.0, january 2004")),
    ("Apache-2.0", ("licensed under the apache license, version 2.0",)),
    ("MPL-2.0", ("mozilla public license version 2.0",)),
    ("MPL-2.0", ("mozilla public license, v. 2.0",)),
    ("EPL-2.0", ("eclipse public license - v 2.0",)),
    ("PSF-2.0", ("python software foundation license version 2",)),
    ("BSL-1.0", ("boost software license - version 1.0",)),
    ("Unlicense", ("this is free and unencumbered software released into the public domain",)),
    ("CC0-1.0", ("cc0 1.0 universal",)),
    (
        "ISC",
        (
            "permission to use, copy, modify, and/or distribute this software for any purpose",
            "provided that the above copyright notice and this permission notice appear in all copies",
        ),
    ),
    ("0BSD", ("permission to use, copy, modify, and/or distribute this software for any purpose",)),
    ("MIT", ("permission is hereby granted, free of charge, to any person obtaining a copy",)),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "neither the name")),
    ("BSD-3-Clause", ("redistribution and use in source and binary forms", "endorse or promote")),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    ("Zlib", ("this software is provided 'as-is', without any express or implied warranty",)),
)

# Ids that a more specific rule above subsumes: an ISC text contains the 0BSD grant, a BSD-3
# text every BSD-2 phrase, a GPL text may quote the LGPL's title.
_SUBSUMED_BY: dict[str, tuple[str, ...]] = {
    "GPL-3.0-only": ("AGPL-3.0-only", "LGPL-3.0-only"),
    "GPL-2.0-only": ("LGPL-2.1-only", "LGPL-2.0-only"),
    "BSD-2-Clause": ("BSD-3-Clause",),
    "0BSD": ("ISC",),
}

_LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|copyright|notice)([._\-].*)?$", re.IGNORECASE)


_TEXT_LANGUAGES = {None, "text", "markdown", "restructuredtext"}


def is_license_file_name(name: str) -> bool:
    """True for ``LICENSE``, ``LICENSE.txt``, ``COPYING``, ``LICENCE-MIT`` and similar.

    Source files such as ``license_detection.py`` are not license files, whatever their name.
    """
    base = name.rsplit("/", 1)[-1]
    return bool(_LICENSE_FILE.match(base)) and language_for_path(base) in _TEXT_LANGUAGES


def parse_spdx_expression(expression: str) -> tuple[str, ...]:
    """Every license id named in an SPDX expression, e.g. ``"MIT OR Apache-2.0"``.

    Exceptions after ``WITH`` are not licenses and are left out. Ids keep their spelling; the
    alias seed maps deprecated forms (``GPL-2.0+``) later.
    """
    ids: list[str] = []
    skip_next = False
    for token in _SPDX_ID.findall(expression.replace("(", " ").replace(")", " ")):
        upper = token.upper()
        if upper in _SPDX_OPERATORS:
            skip_next = upper == "WITH"
            continue
        if skip_next:
            skip_next = False
            continue
        ids.append(token)
    return tuple(dict.fromkeys(ids))


def _collapse(text: str) -> str:
    return " ".join(text.lower().split())


def detect_from_license_text(text: str) -> tuple[str, ...]:
    """SPDX ids whose distinctive phrases all occur in a license file's text (sorted)."""
    collapsed = _collapse(text)
    found: list[str] = []
    for spdx_id, phrases in _TEXT_RULES:
        if spdx_id not in found and all(p in collapsed for p in phrases):
            found.append(spdx_id)
    for general, specifics in _SUBSUMED_BY.items():
        if general in found and any(s in found for s in specifics):
            found.remove(general)
    return tuple(sorted(found))


def _from_short_name(value: str) -> str | None:
    key = _collapse(value).strip(" .")
    if key in _SHORT_NAME_TO_SPDX:
        return _SHORT_NAME_TO_SPDX[key]
    ids = parse_spdx_expression(value)
    # A single token that already looks like an SPDX id ("BSD-3-Clause", "Apache-2.0").
    if len(ids) == 1 and "-" in ids[0] and ids[0] == value.strip():
        return ids[0]
    return None


def detect_from_metadata(metadata_text: str) -> LicenseEvidence:
    """License of a distribution from its ``METADATA``/``PKG-INFO`` text (RFC 822 headers).

    Returns the most reliable evidence found; empty when the metadata says nothing usable.
    """
    headers = HeaderParser().parsestr(metadata_text, headersonly=True)
    expression = headers.get("License-Expression")
    if expression and expression.strip():
        ids = parse_spdx_expression(expression)
        if ids:
            return LicenseEvidence(ids, "metadata:License-Expression")
    classifier_ids = []
    for classifier in headers.get_all("Classifier") or []:
        classifier = " ".join(classifier.split())
        if classifier.startswith("License ::"):
            spdx_id = _CLASSIFIER_TO_SPDX.get(classifier[len("License ::") :].strip())
            if spdx_id:
                classifier_ids.append(spdx_id)
    if classifier_ids:
        return LicenseEvidence(tuple(sorted(set(classifier_ids))), "metadata:Classifier")
    free_text = headers.get("License")
    if free_text and free_text.strip() and free_text.strip().upper() not in {"UNKNOWN", "NONE"}:
        if "\n" not in free_text.strip() and len(free_text) < 100:
            spdx_id = _from_short_name(free_text)
            if spdx_id:
                return LicenseEvidence((spdx_id,), "metadata:License")
        ids = detect_from_license_text(free_text)
        if ids:
            return LicenseEvidence(ids, "metadata:License-text")
    return LicenseEvidence((), "none")
