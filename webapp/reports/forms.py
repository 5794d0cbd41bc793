import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from sms.vocab import COUNT_FIELDS, settle_injuries

from ..extensions import db
from ..intake.ingest import InboundMessage
from ..models import Region
from ..web.forms import IDEMPOTENCY_KEY, CheckboxList, Form, check_photo, photo_type
from ..web.labels import COUNT_LABELS, HAZARD_LABELS, NEED_LABELS


class ReportForm(Form):
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
    hazard = SelectField(
        _l("Jenis bencana"),
        # Nothing chosen until the reporter chooses: a tired thumb must not send a fire as a flood.
        choices=[
            SelectChoice("", _l("— pilih jenis bencana —")),
            *(SelectChoice(slug, label) for slug, label in HAZARD_LABELS.items()),
        ],
        validators=[DataRequired(_l("Pilih jenis bencana."))],
        default="",
    )
    desa = SelectField(_l("Desa"), validators=[DataRequired()])
    dusun = StringField(_l("Dusun"), validators=[Optional(), Length(max=80)])
    rt = StringField(_l("RT"), validators=[Optional(), Regexp(r"^\d{1,3}$", message=_l("RT berupa angka."))])
    rw = StringField(_l("RW"), validators=[Optional(), Regexp(r"^\d{1,3}$", message=_l("RW berupa angka."))])
    description = TextAreaField(
        _l("Keterangan"), validators=[DataRequired(_l("Ceritakan apa yang terjadi.")), Length(max=2000)]
    )
    needs = CheckboxList(
        _l("Kebutuhan mendesak"),
        choices=[SelectChoice(slug, label) for slug, label in NEED_LABELS.items()],
        validators=[Optional()],
    )
    latitude = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    photo = FileField(_l("Foto (opsional; HP ini mengecilkan foto sendiri sebelum dikirim)"))

    def __init__(self, *args, desa_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.desa.choices = [SelectChoice(code, name) for code, name in desa_choices]

    def inbound_message(self, user) -> InboundMessage:
        """The validated form as a message for the intake door; the form's values win over the parser's."""
        desa = db.session.get(Region, self.desa.data)
        photo = self.photo.data.read() if self.photo.data else b""
        details = {
            name: getattr(self, name).data for name in ("dusun", "rt", "rw", "needs") if getattr(self, name).data
        }
        return InboundMessage(
            channel="web",
            # Keys are the client's; scoping them to the user means nobody can collide with another's report.
            external_id=f"u{user.id}:{self.idempotency_key.data}",
            text=self.description.data.strip(),
            kecamatan_code=desa.parent_code,
            sender_phone=user.phone,
            submitted_by_id=user.id,
            hazard=self.hazard.data,
            desa_code=desa.code,
            counts=settle_injuries({n: getattr(self, n).data for n in COUNT_FIELDS if getattr(self, n).data}),
            details=details or None,
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            photo=photo or None,
            photo_type=photo_type(photo) if photo else None,
        )

    def validate_idempotency_key(self, field):
        if not IDEMPOTENCY_KEY.match(field.data or ""):
            raise ValidationError(_l("Formulir tidak lengkap. Muat ulang halaman lalu kirim lagi."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.latitude.data is None) != (self.longitude.data is None):  # Optional() stops field validators
            self.longitude.errors = [*self.longitude.errors, _l("Lokasi GPS tidak lengkap.")]
            return False
        parts = (self.luka_berat.data or 0) + (self.luka_ringan.data or 0)
        if self.luka.data and parts > self.luka.data:
            self.luka.errors = [*self.luka.errors, _l("Luka berat ditambah luka ringan lebih dari jumlah luka.")]
            return False
        return valid

    def validate_photo(self, field):
        check_photo(field)


# One number field per BNPB count, added to the class so the template can loop over them.
for _name in COUNT_FIELDS:
    setattr(
        ReportForm,
        _name,
        IntegerField(COUNT_LABELS[_name], validators=[Optional(), NumberRange(0, 1_000_000)]),
    )
