import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..web.forms import IDEMPOTENCY_KEY, Form, check_photo
from ..web.labels import HAZARD_LABELS, PREPAREDNESS_LABELS


class ActivityForm(Form):
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
    desa = SelectField(_l("Desa"), validators=[DataRequired()])
    kind = SelectField(_l("Kegiatan"), choices=[SelectChoice(k, v) for k, v in PREPAREDNESS_LABELS.items()],
                       validators=[DataRequired()])  # fmt: skip
    hazard = SelectField(_l("Jenis bencana"), validators=[Optional()],
                         choices=[SelectChoice("", _l("(semua / tidak khusus)")),
                                  *(SelectChoice(k, v) for k, v in HAZARD_LABELS.items())])  # fmt: skip
    held_on = StringField(_l("Tanggal (hh-bb-tttt)"), validators=[DataRequired(_l("Tulis tanggal kegiatan."))])
    participants = IntegerField(_l("Jumlah peserta"), default=0,
                                validators=[InputRequired(_l("Tulis jumlah peserta (0 untuk dokumen atau peralatan).")),
                                            NumberRange(0, 100_000)])  # fmt: skip
    names = TextAreaField(_l("Daftar hadir (opsional, satu nama per baris)"), validators=[Length(max=20_000)])
    note = TextAreaField(_l("Keterangan"), validators=[Length(max=2000)])
    photo = FileField(_l("Foto (opsional, paling besar 100 KB)"))

    def validate_idempotency_key(self, field):
        if not IDEMPOTENCY_KEY.match(field.data or ""):
            raise ValidationError(_l("Formulir tidak lengkap. Muat ulang halaman lalu kirim lagi."))

    def validate_photo(self, field):
        check_photo(field)
