using Takase.Routing.Privacy.Recognizers;

namespace Takase.Routing.Tests.Privacy;

public class CheckDigitTests
{
    [Theory]
    [InlineData("621498320257", true)] // the example of the published algorithm
    [InlineData("123456789018", true)]
    [InlineData("123456789011", false)]
    [InlineData("621498320258", false)]
    [InlineData("12345678901", false)]
    [InlineData("12345678901a", false)]
    public void MyNumber(string digits, bool valid) => Assert.Equal(valid, MyNumberRecognizer.IsValid(digits));

    [Fact]
    public void MyNumberCheckDigitFollowsTheWeights()
    {
        // Weights from the right of the first 11 digits: 2,3,4,5,6,7,2,3,4,5,6; r = Σ mod 11; cd = r ≤ 1 ? 0 : 11 − r.
        var body = "48201937465";
        var sum = 0;
        int[] weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        for (var i = 0; i < 11; i++) sum += (body[i] - '0') * weights[i];
        var check = sum % 11 <= 1 ? 0 : 11 - sum % 11;
        for (var d = 0; d <= 9; d++)
            Assert.Equal(d == check, MyNumberRecognizer.IsValid(body + d));
    }

    [Theory]
    [InlineData("5835678256246", true)] // the example of the published algorithm
    [InlineData("8700110005901", true)]
    [InlineData("7011001012345", false)]
    [InlineData("2835678256246", false)]
    [InlineData("583567825624", false)]
    public void CorporateNumber(string digits, bool valid) => Assert.Equal(valid, CorporateNumberRecognizer.IsValid(digits));

    [Theory]
    [InlineData("4532015112830366", true)]
    [InlineData("4532015112830367", false)]
    [InlineData("378282246310005", true)]
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    public void Luhn(string digits, bool valid) => Assert.Equal(valid, CreditCardRecognizer.Luhn(digits));

    [Theory]
    [InlineData("4532015112830366", "visa")]
    [InlineData("5521834051172915", "mastercard")]
    [InlineData("2221001234567896", "mastercard")]
    [InlineData("378282246310005", "amex")]
    [InlineData("3530111333300000", "jcb")]
    [InlineData("30569309025904", "diners")]
    [InlineData("6011111111111117", "discover")]
    [InlineData("6212345678901232", "unionpay")]
    [InlineData("4901234567894", null)] // 13 digits from 49: a JAN barcode, not a card
    [InlineData("9999999999999995", null)]
    public void IssuerPrefixesAndLengths(string digits, string? issuer) => Assert.Equal(issuer, CreditCardRecognizer.Issuer(digits));

    [Theory]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("GB82WEST12345698765432", true)]
    [InlineData("CH9300762011623852957", true)]
    [InlineData("DE89370400440532013001", false)] // mod 97 fails
    [InlineData("CH800076201162385295", false)] // mod 97 holds, but Swiss IBANs have 21 characters
    [InlineData("XX89370400440532013000", false)]
    public void Iban(string iban, bool valid) => Assert.Equal(valid, IbanRecognizer.IsValid(iban));
}
