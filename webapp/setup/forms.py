from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..web.forms import Form


class NumberForm(Form):
    gateway = SelectField(_l("Jenis"))
    address = StringField(
        _l("ID perangkat Android (atau <ID>/<nomor SIM>), atau nomor Twilio"),
        validators=[DataRequired(), Length(max=100)],
    )
    label = StringField(_l("Nama, misalnya HP gateway Winongan"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Nomor SIM HP gateway (untuk SMS uji)"), validators=[Optional(), Length(max=40)])
    kecamatan = StringField(_l("Kode kecamatan, misalnya 35.14.19"), validators=[Optional(), Length(max=13)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gateway.choices = [("android", _l("HP gateway Android")), ("twilio", _l("Nomor Twilio (SMS/WhatsApp)"))]


class NumberEditForm(Form):
    label = StringField(_l("Nama"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Nomor SIM HP gateway (untuk SMS uji)"), validators=[Optional(), Length(max=40)])
    send_per_minute = IntegerField(
        _l("SMS per menit yang boleh dikirim HP/nomor ini (kosong: bawaan server)"),
        validators=[Optional(), NumberRange(min=1, max=6000)],
    )


class AgencyForm(Form):
    name = StringField(_l("Nama instansi"), validators=[DataRequired(), Length(max=80)])
    area = StringField(_l("Wilayah (kode kabupaten atau kecamatan; kosong: di mana saja)"),
                       validators=[Optional(), Length(max=13)])  # fmt: skip


class ScopedAgencyForm(AgencyForm):
    area = SelectField(_l("Wilayah"))


class MemberForm(Form):
    name = StringField(_l("Nama petugas"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Nomor HP"), validators=[DataRequired(), Length(max=40)])
    channel = SelectField(_l("Lewat"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [("sms", "SMS"), ("whatsapp", "WhatsApp")]
