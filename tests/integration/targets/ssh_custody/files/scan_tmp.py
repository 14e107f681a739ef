# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scan every file under some folders for some strings: ``{"folders": [...], "needles": {NAME: TEXT}}`` on stdin (so that
no secret appears in a process list), ``{"files": [PATH...], "hits": {NAME: [PATH...]}}`` on stdout. Files are read as
bytes, whole; symbolic links are not followed."""

from __future__ import annotations

import json
import os
import sys

request = json.load(sys.stdin)
needles = {name: text.encode("utf-8") for name, text in request["needles"].items() if text}
files = []
hits = {name: [] for name in request["needles"]}
for folder in request["folders"]:
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            files.append(path)
            with open(path, "rb") as handle:
                data = handle.read()
            for needle, text in needles.items():
                if text in data:
                    hits[needle].append(path)
print(json.dumps({"files": sorted(files), "hits": hits}))
