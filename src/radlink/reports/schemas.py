"""The launch request in all its published shapes, validated into one ``LaunchRequest``."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from radlink.reports import normalise
from radlink.reports.qr import QrMode, QrSize

ResultKind = Literal["link", "qrcode", "all"]
Status = Literal["PreLaunch", "Draft", "Final"]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _canonical_keys(value: Any, names: tuple[str, ...]) -> Any:
    """Match keys case-insensitively to ``names``; unknown keys stay for 'extra' to reject."""
    if not isinstance(value, dict):
        return value
    by_lower = {name.lower(): name for name in names}
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = by_lower.get(key.lower(), key) if isinstance(key, str) else key
        if name in out:
            raise ValueError(f"tag {name} is given twice (tag names ignore case)")
        out[name] = item
    return out


# An optional string; blank counts as absent (clients send "" for unknown values).
Text = Annotated[str | None, BeforeValidator(_blank_to_none)]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class ClinicalTags(BaseModel):
    """The seed's 18 tags plus the newer ReferringPhysician, ReportingPhysician and Notes."""

    model_config = _STRICT

    SiteID: str = Field(min_length=1, max_length=64)
    Accession: str = Field(min_length=1, max_length=64)
    PatientMRN: Text = Field(None, max_length=64)
    PatientName: Text = Field(None, max_length=200)
    PatientBirthDate: Text = Field(None, max_length=10)
    PatientAge: Text = Field(None, max_length=8)
    PatientSex: Text = Field(None, max_length=8)
    Modality: Text = Field(None, max_length=16)
    BodyPartExamined: Text = Field(None, max_length=64)
    StudyDescription: Text = Field(None, max_length=256)
    StudyDate: Text = Field(None, max_length=10)
    StudyTime: Text = Field(None, max_length=16)
    StudyInstanceUID: Text = Field(None, max_length=64)
    ReasonForExam: Text = Field(None, max_length=4096)
    ReturnFormat: Text = Field(None, max_length=8)
    SpeechLanguage: Text = Field(None, max_length=16)
    AppLanguage: Text = Field(None, max_length=16)
    KeyFindings: Text = Field(None, max_length=65536)
    ReferringPhysician: Text = Field(None, max_length=200)
    ReportingPhysician: Text = Field(None, max_length=200)
    Notes: Text = Field(None, max_length=4096)
    # The oldest shape's assignment (a site admin's token and the user to assign to).
    Auth: Text = Field(None, max_length=200)
    UserName: Text = Field(None, max_length=200)
    UserEmail: Text = Field(None, max_length=254)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _canonical_keys(value, tuple(cls.model_fields))

    @field_validator("PatientBirthDate", "StudyDate")
    @classmethod
    def _date(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        order = (info.context or {}).get("date_order", "MDY")
        parse = (
            normalise.parse_birth_date
            if info.field_name == "PatientBirthDate"
            else (normalise.parse_date)
        )
        return parse(value, order).isoformat()

    @field_validator("StudyTime")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_time(value).isoformat()

    @field_validator("PatientSex")
    @classmethod
    def _sex(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_sex(value)

    @field_validator("PatientAge")
    @classmethod
    def _age(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_age(value)

    @field_validator("SpeechLanguage", "AppLanguage")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_language(value)

    @field_validator("StudyInstanceUID")
    @classmethod
    def _uid(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_uid(value)

    @field_validator("ReturnFormat")
    @classmethod
    def _return_format(cls, value: str | None) -> str | None:
        return None if value is None else normalise.parse_return_format(value)


class ReportingApp(BaseModel):
    model_config = _STRICT

    ReturnFormat: Text = Field(None, max_length=8)
    SpeechLanguage: Text = Field(None, max_length=16)
    AppLanguage: Text = Field(None, max_length=16)
    # Switch the assignee's open reporting window to this report (see docs/admin.md).
    SyncLaunch: bool | None = None
    ApplyTemplate: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _canonical_keys(value, tuple(cls.model_fields))

    _language = field_validator("SpeechLanguage", "AppLanguage")(
        lambda v: None if v is None else normalise.parse_language(v)
    )
    _return_format = field_validator("ReturnFormat")(
        lambda v: None if v is None else normalise.parse_return_format(v)
    )


class UserInfo(BaseModel):
    """The newer shape's assignment: the user to assign the report to, and an admin's token."""

    model_config = _STRICT

    UserEmail: Text = Field(None, max_length=254)
    UserName: Text = Field(None, max_length=200)
    Auth: Text = Field(None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _canonical_keys(value, tuple(cls.model_fields))


class ResponseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str


class LaunchBody(BaseModel):
    """Top level: ``tags`` (oldest) or ``clinicalInfo`` (newer), plus options."""

    model_config = ConfigDict(extra="forbid")

    tags: ClinicalTags | None = None
    clinicalInfo: ClinicalTags | None = None
    reportingApp: ReportingApp | None = None
    userInfo: UserInfo | None = None
    result: str | None = None
    response: ResponseSpec | None = None
    lazyLaunch: bool | str | None = None
    qrCodeSize: str | None = None
    qrCodeMode: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _canonical_keys(value, tuple(cls.model_fields))


class ClinicalContext(BaseModel):
    """Normalised clinical context, as stored on a report (or sealed in a pending launch)."""

    model_config = ConfigDict(frozen=True)

    patient_mrn: str | None = None
    patient_name: str | None = None
    patient_family_name: str | None = None
    patient_given_name: str | None = None
    patient_birth_date: date | None = None
    patient_age: str | None = None
    patient_sex: str | None = None
    modality: str | None = None
    body_part: str | None = None
    study_description: str | None = None
    study_date: date | None = None
    study_time: time | None = None
    study_instance_uid: str | None = None
    reason_for_exam: str | None = None
    referring_physician: str | None = None
    reporting_physician: str | None = None
    notes: str | None = None
    key_findings: str | None = None
    app_language: str = "en"
    speech_language: str = "en"
    return_format: str | None = None


class Assignee(BaseModel):
    """Whom a site admin's launch assigns the report to; ``auth`` is the admin's token if sent."""

    model_config = ConfigDict(frozen=True)

    email: str
    name: str | None = None
    auth: str | None = None


class LaunchRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    site_key: str
    accession: str
    context: ClinicalContext
    given_fields: frozenset[str]  # context fields the client actually sent
    result: ResultKind
    lazy: bool
    qr_size: QrSize
    qr_mode: QrMode
    assignee: Assignee | None = None
    sync_launch: bool = False


class StatusBody(BaseModel):
    model_config = _STRICT

    SiteID: str = Field(min_length=1, max_length=64)
    Accession: str = Field(min_length=1, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _canonical_keys(value, tuple(cls.model_fields))


class Owner(BaseModel):
    name: str | None = None
    email: str | None = None


class Delivery(BaseModel):
    state: str
    attempts: int
    lastError: str | None = None
    deliveredAt: str | None = None


class LaunchResponse(BaseModel):
    status: Status
    owner: Owner
    reportLink: str | None = None
    reportQrCode: str | None = None
    reportQRCode: str | None = None
    delivery: Delivery | None = None


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
