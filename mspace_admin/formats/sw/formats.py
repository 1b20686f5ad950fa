"""How Kiswahili pages write dates, times and numbers, as offices in Kenya do: "30 Novemba
2026, 14:05", and 12,500 with a comma between thousands (Django ships no Kiswahili formats)."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i:s"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
