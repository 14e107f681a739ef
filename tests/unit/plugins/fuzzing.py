# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the fuzz tests share: hypothesis's settings, and a decorator that runs a check over strategies and counts the cases."""

from __future__ import annotations

import os
import tempfile
import typing as t

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches in .hypothesis/ of the working directory, which would end up in the collection built from it.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "oauthkit-github-hypothesis"))


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fuzz(request: pytest.FixtureRequest, max_examples: int, floor: int, **strategies: st.SearchStrategy[t.Any]) -> t.Callable[..., t.Any]:
    """Decorator: run the function over ``strategies`` with hypothesis, then record how many cases ran (JUnit property fuzz_cases).

    The function runs at once, when it is decorated, inside the test that defines it; fewer than ``floor`` cases fail the test.
    """

    def decorate(check: t.Callable[..., None]) -> t.Callable[[], None]:
        ran = 0

        @fuzz_settings(max_examples)
        @given(**strategies)
        def example(**drawn: t.Any) -> None:
            nonlocal ran
            ran += 1
            check(**drawn)

        example()
        request.node.user_properties.append(("fuzz_cases", ran))
        assert ran >= floor, f"only {ran} cases ran"
        return example

    return decorate
