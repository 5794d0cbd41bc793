import uuid

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..web.forms import CheckboxList, Form
from ..web.labels import HAZARD_LABELS


class BroadcastForm(Form):
    key = HiddenField(default=lambda: uuid.uuid4().hex, validators=[Regexp(r"^[A-Za-z0-9_-]{8,64}$")])
    kind = RadioField(
        _l("Jenis siaran"),
        choices=[
            SelectChoice("peringatan", _l("Peringatan dini")),
            SelectChoice("informasi", _l("Informasi rawan bencana")),
        ],
        default="peringatan",
        validators=[DataRequired()],
    )
    hazard = SelectField(
        _l("Jenis bencana"),
        choices=[SelectChoice("", _l("(tidak disebut)")), *(SelectChoice(k, v) for k, v in HAZARD_LABELS.items())],
        validators=[Optional()],
    )
    desa = CheckboxList(_l("Desa tujuan"), validators=[DataRequired(_l("Pilih paling sedikit satu desa."))])
    body = TextAreaField(_l("Isi pesan"), validators=[DataRequired(_l("Isi pesan kosong.")), Length(max=1000)])
    expected = HiddenField(validators=[Optional(), Regexp(r"^\d{1,7}$")])
    warning = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])  # the BMKG draft it sends, if any
