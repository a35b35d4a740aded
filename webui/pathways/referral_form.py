"""The referral form: patient identity, home region and municipality, current contacts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webui import organisations
from webui.common.timeutil import local_today
from webui.pathways import cpr as cpr_rules

CONTACT_CHOICES = [SelectChoice("psykiatri", _l("Psykiatrien (regionen)")),
                   SelectChoice("kommune", _l("Kommunal rusmiddelbehandling"))]


def region_choices():
    """The regions from the organisation table."""
    return [SelectChoice("", "–")] + [SelectChoice(organisations.slug_of(o), o.short_name)
                                      for o in organisations.regions()]


def municipality_choices():
    """The municipalities from the organisation table."""
    return [SelectChoice("", "–")] + [SelectChoice(organisations.slug_of(o), o.short_name)
                                      for o in organisations.municipalities()]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReferralForm(FlaskForm):
    """Register a referral to the integrated dual-diagnosis offer."""

    cpr = StringField(_l("CPR-nummer"), validators=[DataRequired(_l("Udfyld CPR-nummer."))])
    name = StringField(_l("Navn"), validators=[DataRequired(_l("Udfyld navn.")), Length(max=200)])
    region = SelectField(_l("Bopælsregion"), validators=[DataRequired(_l("Vælg region."))])
    municipality = SelectField(_l("Bopælskommune"),
                               validators=[DataRequired(_l("Vælg kommune."))])
    # no current contact is allowed: the patient then belongs to group 1 (docs/pathway.md)
    contacts = MultiCheckboxField(_l("Nuværende kontakter"), choices=CONTACT_CHOICES)
    referrer = StringField(_l("Henvisende instans"), validators=[DataRequired(_l("Udfyld hvem der henviser.")),
                                                                   Length(max=200)])
    referral_reason = TextAreaField(_l("Årsag til henvisningen"),
                                    validators=[Length(max=2000)])
    received_at = DateField(_l("Henvisning modtaget"), default=lambda: local_today(),  # per request
                            validators=[DataRequired(_l("Angiv en gyldig dato."))])

    def __init__(self, *args, **kwargs):
        """Region and municipality choices come from the organisation reference data."""
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices()
        self.municipality.choices = municipality_choices()

    def validate_cpr(self, field):
        """A CPR number is 10 digits with a real birth date."""
        try:
            cpr_rules.birth_date(field.data)
        except (ValueError, KeyError):
            raise ValidationError(_l("CPR-nummeret skal være 10 cifre med en gyldig fødselsdato.")) from None
        field.data = cpr_rules.normalise(field.data)

    def validate_municipality(self, field):
        """The municipality must lie in the chosen region."""
        if self.region.data and not organisations.eligible(
                organisations.municipality_org(field.data), ("municipality",), self.region.data):
            raise ValidationError(_l("Kommunen ligger ikke i den valgte region."))

    def validate_received_at(self, field):
        """A referral cannot be received in the future."""
        if field.data and field.data > local_today():
            raise ValidationError(_l("Datoen må ikke ligge i fremtiden."))
