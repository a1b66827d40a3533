# Dates and times on every page, in both languages: zero-padded ISO style (2024-03-05 09:07), so
# columns line up and nothing reads as "2024-3-5" or "3월 5일 9:07 AM" beside "03/05".
# Only display formats are set here; input formats come from Django's locale.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
