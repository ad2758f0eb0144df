"""Check-digit helpers for writing the labelled set (the same published algorithms the recognizers implement)."""

def my_number_check(d11):
    s = sum(int(d11[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = s % 11
    return 0 if r <= 1 else 11 - r

def my_number_valid(d12):
    return len(d12) == 12 and d12.isdigit() and int(d12[11]) == my_number_check(d12[:11])

def corporate_check(body12):
    s = sum(int(body12[12 - n]) * (1 if n % 2 else 2) for n in range(1, 13))
    return 9 - s % 9

def corporate_valid(d13):
    return len(d13) == 13 and d13.isdigit() and int(d13[0]) == corporate_check(d13[1:])

def luhn_valid(d):
    total = 0
    for i, c in enumerate(reversed(d)):
        x = int(c)
        if i % 2 == 1:
            x = x * 2 - 9 if x * 2 > 9 else x * 2
        total += x
    return total % 10 == 0

def luhn_complete(prefix):
    for c in "0123456789":
        if luhn_valid(prefix + c):
            return prefix + c

IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "CH": 21, "BE": 16, "IT": 27, "AT": 20}


def iban_valid(iban):
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    s = iban[4:] + iban[:4]
    n = "".join(str(int(c, 36)) for c in s)
    return int(n) % 97 == 1

def iban_complete(country, bban):
    n = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(n) % 97:02d}{bban}"
