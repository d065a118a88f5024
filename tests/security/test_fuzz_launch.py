"""Fuzzing the launch body normaliser: any JSON value is a LaunchRequest or a 422 problem."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radlink.problems import ApiProblem
from radlink.reports.request import parse_launch, site_key_of

KEYS = [
    "tags",
    "clinicalInfo",
    "Tags",
    "result",
    "lazyLaunch",
    "qrCodeSize",
    "qrCodeMode",
    "reportingApp",
    "SiteID",
    "Accession",
    "PatientBirthDate",
    "PatientAge",
    "StudyDate",
    "StudyTime",
    "AppLanguage",
    "SpeechLanguage",
    "ReturnFormat",
    "PatientSex",
    "userInfo",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "link", "all", "qrcode", "True", "01021975", "2024-02-30", "HL7", "en"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.dictionaries(st.sampled_from(KEYS), scalars, max_size=10),
        "clinicalInfo": json_values,
        "result": scalars,
        "lazyLaunch": scalars,
        "qrCodeSize": scalars,
        "qrCodeMode": scalars,
        "reportingApp": json_values,
    },
)


def _parse(body: Any) -> None:
    site_key_of(body)
    try:
        parse_launch(body, date_order="DMY")
    except ApiProblem as problem:
        assert problem.status == 422
        assert problem.errors is not None


@given(json_values)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_json_value_is_parsed_or_refused(body: Any) -> None:
    _parse(body)


@given(bodies)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_launch_shaped_bodies_are_parsed_or_refused(body: Any) -> None:
    _parse(body)
