"""From a raw JSON body to one ``LaunchRequest``, whatever published shape it came in."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from radlink.problems import ApiProblem, field_errors, invalid
from radlink.reports.normalise import DateOrder, parse_bool
from radlink.reports.qr import QrMode, QrSize
from radlink.reports.schemas import (
    Assignee,
    ClinicalContext,
    ClinicalTags,
    LaunchBody,
    LaunchRequest,
    ReportingApp,
)

_RESULTS = ("link", "qrcode", "all")
_SIZES = {"standard": QrSize.standard, "small": QrSize.small, "mini": QrSize.small}
_MODES = {"light": QrMode.light, "dark": QrMode.dark}
_APP_FIELDS = ("ReturnFormat", "SpeechLanguage", "AppLanguage")
_CONTEXT_FROM_TAG = {
    "PatientMRN": "patient_mrn",
    "PatientBirthDate": "patient_birth_date",
    "PatientAge": "patient_age",
    "PatientSex": "patient_sex",
    "Modality": "modality",
    "BodyPartExamined": "body_part",
    "StudyDescription": "study_description",
    "StudyDate": "study_date",
    "StudyTime": "study_time",
    "StudyInstanceUID": "study_instance_uid",
    "ReasonForExam": "reason_for_exam",
    "ReferringPhysician": "referring_physician",
    "ReportingPhysician": "reporting_physician",
    "Notes": "notes",
    "KeyFindings": "key_findings",
    "ReturnFormat": "return_format",
    "SpeechLanguage": "speech_language",
    "AppLanguage": "app_language",
}


def site_key_of(body: Any) -> str | None:
    """SiteID, looked up before full validation so that the site's date order can apply."""
    if not isinstance(body, dict):
        return None
    for key, tags in body.items():
        if (
            isinstance(key, str)
            and key.lower() in {"tags", "clinicalinfo"}
            and isinstance(tags, dict)
        ):
            for name, value in tags.items():
                if (
                    isinstance(name, str)
                    and name.lower() == "siteid"
                    and isinstance(value, str | int)
                ):
                    return str(value).strip()
    return None


def parse_launch(
    body: Any, *, date_order: DateOrder = "MDY", default_languages: tuple[str, str] = ("en", "en")
) -> LaunchRequest:
    if not isinstance(body, dict):
        raise invalid([{"field": "body", "message": "must be a JSON object"}])
    try:
        parsed = LaunchBody.model_validate(body, context={"date_order": date_order})
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None
    errors: list[dict[str, str]] = []
    tags = _one_tag_dict(parsed, errors)
    result = _result(parsed, errors)
    lazy = _option(errors, "lazyLaunch", parsed.lazyLaunch, parse_bool, False)
    size = _choice(errors, "qrCodeSize", parsed.qrCodeSize, _SIZES, QrSize.standard)
    mode = _choice(errors, "qrCodeMode", parsed.qrCodeMode, _MODES, QrMode.light)
    app = parsed.reportingApp or ReportingApp()
    if tags is not None:
        for name in _APP_FIELDS:
            a, b = getattr(tags, name), getattr(app, name)
            if a is not None and b is not None and a != b:
                errors.append(
                    {
                        "field": f"reportingApp.{name}",
                        "message": f"differs from {name} in the clinical tags",
                    }
                )
    assignee = _assignee(parsed, tags, errors) if tags is not None else None
    if errors or tags is None or result is None:
        raise invalid(errors)
    context, given = _context(tags, app, default_languages)
    return LaunchRequest(
        assignee=assignee,
        sync_launch=bool(app.SyncLaunch),
        site_key=tags.SiteID,
        accession=tags.Accession,
        context=context,
        given_fields=given,
        result=result,
        lazy=lazy,
        qr_size=size,
        qr_mode=mode,
    )


def _one_tag_dict(parsed: LaunchBody, errors: list[dict[str, str]]) -> ClinicalTags | None:
    if parsed.tags is not None and parsed.clinicalInfo is not None:
        errors.append({"field": "clinicalInfo", "message": "send either tags or clinicalInfo"})
        return None
    tags = parsed.tags or parsed.clinicalInfo
    if tags is None:
        errors.append({"field": "tags", "message": "is required (or clinicalInfo)"})
    return tags


_USER_FIELDS = ("UserEmail", "UserName", "Auth")


def _assignee(
    parsed: LaunchBody, tags: ClinicalTags, errors: list[dict[str, str]]
) -> Assignee | None:
    """userInfo, or the oldest shape's Auth/UserName/UserEmail tags; both must agree."""
    values: dict[str, str] = {}
    for name in _USER_FIELDS:
        a = getattr(parsed.userInfo, name) if parsed.userInfo else None
        b = getattr(tags, name)
        if a is not None and b is not None and a != b:
            errors.append({"field": f"userInfo.{name}", "message": "differs from the tags"})
        if a is not None or b is not None:
            values[name] = a if a is not None else b
    if not values:
        return None
    if "UserEmail" not in values:
        errors.append({"field": "userInfo.UserEmail", "message": "is required to assign a report"})
        return None
    return Assignee(email=values["UserEmail"], name=values.get("UserName"), auth=values.get("Auth"))


def _result(parsed: LaunchBody, errors: list[dict[str, str]]) -> Any:
    response_type = parsed.response.type if parsed.response else None
    values = [v.strip().lower() for v in (parsed.result, response_type) if v is not None]
    if not values:
        errors.append({"field": "result", "message": "is required: link, qrcode or all"})
        return None
    if len(set(values)) > 1:
        errors.append({"field": "response.type", "message": "differs from result"})
        return None
    if values[0] not in _RESULTS:
        errors.append({"field": "result", "message": "accepted: link, qrcode or all"})
        return None
    return values[0]


def _option(errors: list[dict[str, str]], field: str, value: Any, parse: Any, default: Any) -> Any:
    if value is None:
        return default
    try:
        return parse(value)
    except ValueError as exc:
        errors.append({"field": field, "message": str(exc)})
        return default


def _choice(
    errors: list[dict[str, str]],
    field: str,
    value: str | None,
    choices: dict[str, Any],
    default: Any,
) -> Any:
    if value is None or not value.strip():
        return default
    try:
        return choices[value.strip().lower()]
    except KeyError:
        errors.append({"field": field, "message": "accepted: " + ", ".join(choices)})
        return default


def _context(
    tags: ClinicalTags, app: ReportingApp, default_languages: tuple[str, str]
) -> tuple[ClinicalContext, frozenset[str]]:
    values: dict[str, Any] = {}
    for tag, column in _CONTEXT_FROM_TAG.items():
        value = getattr(tags, tag)
        if value is None and tag in _APP_FIELDS:
            value = getattr(app, tag)
        if value is not None:
            values[column] = value
    if tags.PatientName is not None:
        values.update(split_name(tags.PatientName))
    given = frozenset(values)
    values.setdefault("app_language", default_languages[0])
    values.setdefault("speech_language", default_languages[1])
    return ClinicalContext.model_validate(values), given


def split_name(name: str) -> dict[str, str | None]:
    """Free text is kept whole; a DICOM PN (``Family^Given^Middle^Prefix^Suffix``) is split."""
    if "^" not in name:
        return {"patient_name": name, "patient_family_name": None, "patient_given_name": None}
    parts = [part.strip() for part in name.split("^")]
    family, given = parts[0] or None, (parts[1] if len(parts) > 1 else "") or None
    middle = " ".join(p for p in parts[2:3] if p)
    display_given = " ".join(p for p in (given, middle) if p) or None
    display = ", ".join(p for p in (family, display_given) if p) or name
    return {"patient_name": display, "patient_family_name": family, "patient_given_name": given}


def launch_problem_for_non_member() -> ApiProblem:
    # Same answer for "no such site" and "not a member": SiteIDs are not to be probed.
    return ApiProblem(403, "Forbidden", "This token has no access to that SiteID.")
