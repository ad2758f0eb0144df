namespace Takase.Routing.Privacy;

/// <summary>The kinds of personal data Takase detects (English and Japanese).</summary>
public enum PiiEntityType
{
    /// <summary>An e-mail address.</summary>
    Email,
    /// <summary>A phone number: Japanese mobile, landline, toll-free, IP phone, or international (E.164).</summary>
    Phone,
    /// <summary>A Japanese individual number (個人番号, 12 digits with a check digit).</summary>
    MyNumber,
    /// <summary>A Japanese corporate number (法人番号, 13 digits, check digit first).</summary>
    CorporateNumber,
    /// <summary>A payment card number (13–19 digits, Luhn, known issuer prefix).</summary>
    CreditCard,
    /// <summary>A postal code (〒NNN-NNNN, or a code next to words such as 郵便番号 / zip).</summary>
    PostalCode,
    /// <summary>An IPv4 or IPv6 address.</summary>
    IpAddress,
    /// <summary>An international bank account number (mod-97 checked).</summary>
    Iban,
    /// <summary>A date next to words that make it a date of birth (生年月日, DOB, born …).</summary>
    DateOfBirth,
    /// <summary>A URL that carries a user name and password (scheme://user:pass@host).</summary>
    UrlCredentials,
    /// <summary>A person's name.</summary>
    Person,
    /// <summary>A street address (Japanese 都道府県 + 市区町村 + 丁目/番地, or an English street address).</summary>
    Address,
}

/// <summary>The upper-case names used in placeholders, labelled sets and the CLI (EMAIL, MY_NUMBER, …).</summary>
public static class PiiEntityTypeNames
{
    private static readonly Dictionary<PiiEntityType, string> Names = new()
    {
        [PiiEntityType.Email] = "EMAIL",
        [PiiEntityType.Phone] = "PHONE",
        [PiiEntityType.MyNumber] = "MY_NUMBER",
        [PiiEntityType.CorporateNumber] = "CORPORATE_NUMBER",
        [PiiEntityType.CreditCard] = "CREDIT_CARD",
        [PiiEntityType.PostalCode] = "POSTAL_CODE",
        [PiiEntityType.IpAddress] = "IP_ADDRESS",
        [PiiEntityType.Iban] = "IBAN",
        [PiiEntityType.DateOfBirth] = "DATE_OF_BIRTH",
        [PiiEntityType.UrlCredentials] = "URL_CREDENTIALS",
        [PiiEntityType.Person] = "PERSON",
        [PiiEntityType.Address] = "ADDRESS",
    };

    private static readonly Dictionary<string, PiiEntityType> ByName =
        Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The wire name of <paramref name="type"/> ("EMAIL", "MY_NUMBER", …).</summary>
    public static string WireName(this PiiEntityType type) => Names[type];

    /// <summary>Parses a wire name ("EMAIL") or an enum name ("Email"), case-insensitively.</summary>
    public static bool TryParse(string name, out PiiEntityType type) =>
        ByName.TryGetValue(name, out type) || Enum.TryParse(name, ignoreCase: true, out type);
}
