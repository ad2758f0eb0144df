using Takase.Routing.Privacy;

namespace Takase.Routing.Tests.Privacy;

/// <summary>Each recognizer through the analyzer: what it must find (exact span text) and what it must leave alone.</summary>
public class RecognizerTests
{
    private static readonly PiiAnalyzer Analyzer = new();

    private static (PiiEntityType Type, string Text)[] Found(string text, PiiLanguage language = PiiLanguage.Auto) =>
        Analyzer.Analyze(text, language).Select(s => (s.Type, s.TextIn(text))).ToArray();

    private static void Finds(PiiEntityType type, string expected, string text, PiiLanguage language = PiiLanguage.Auto) =>
        Assert.Contains((type, expected), Found(text, language));

    private static void FindsNothing(string text, PiiLanguage language = PiiLanguage.Auto) => Assert.Empty(Found(text, language));

    [Theory]
    [InlineData("Mail me at jane.doe+news@example.co.uk.", "jane.doe+news@example.co.uk")]
    [InlineData("メールはtaro@example.jpです", "taro@example.jp")]
    public void Email(string text, string expected) => Finds(PiiEntityType.Email, expected, text);

    [Theory]
    [InlineData("携帯 090-1234-5678 まで", "090-1234-5678")]
    [InlineData("携帯 070 1234 5678 まで", "070 1234 5678")]
    [InlineData("代表 03-1234-5678", "03-1234-5678")]
    [InlineData("札幌 011-123-4567", "011-123-4567")]
    [InlineData("帯広 0155-12-3456", "0155-12-3456")]
    [InlineData("(03)1234-5678 まで", "(03)1234-5678")]
    [InlineData("フリーダイヤル 0120-123-456", "0120-123-456")]
    [InlineData("フリーコール 0800-123-4567", "0800-123-4567")]
    [InlineData("IP電話 050-1234-5678", "050-1234-5678")]
    [InlineData("電話 09012345678", "09012345678")]
    [InlineData("call +81 90-1234-5678 now", "+81 90-1234-5678")]
    [InlineData("call +1 (415) 555-0134 now", "+1 (415) 555-0134")]
    [InlineData("E.164: +442079460958", "+442079460958")]
    [InlineData("phone (212) 555-0147", "(212) 555-0147")]
    public void Phone(string text, string expected) => Finds(PiiEntityType.Phone, expected, text);

    [Theory]
    [InlineData("注文番号 2024-0315-8842 です")] // does not start with 0
    [InlineData("型番 ABC-090-1234")] // part of a product code
    [InlineData("品番 0120-456-7891-A")] // 11 digits from 0120: no such number
    [InlineData("0312345678")] // ten bare digits with no context word stay below the threshold
    [InlineData("2024-03-15 10:22:31")]
    public void PhoneLookAlikes(string text) => Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.Phone);

    [Theory]
    [InlineData("マイナンバーは6214 9832 0257です", "6214 9832 0257")]
    [InlineData("個人番号：123456789018", "123456789018")]
    [InlineData("my number 3141-5926-5352", "3141-5926-5352")]
    public void MyNumber(string text, string expected) => Finds(PiiEntityType.MyNumber, expected, text);

    [Theory]
    [InlineData("マイナンバーは123456789011です")] // wrong check digit
    [InlineData("個人番号 4820 1937 4651")] // wrong check digit
    [InlineData("注文番号：202403158846")] // valid check digit, but an order number
    [InlineData("カード 4111 1111 1111 1111 の一部")] // twelve of a card's digits are not a My Number
    public void MyNumberLookAlikes(string text) => Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.MyNumber);

    [Theory]
    [InlineData("法人番号 5-8356-7825-6246", "5-8356-7825-6246")]
    [InlineData("法人番号：8700110005901", "8700110005901")]
    public void CorporateNumber(string text, string expected) => Finds(PiiEntityType.CorporateNumber, expected, text);

    [Fact]
    public void CorporateNumberWithAWrongCheckDigitIsNotFound() => FindsNothing("法人番号7011001012345で検索");

    [Theory]
    [InlineData("card 4532 0151 1283 0366 please", "4532 0151 1283 0366")]
    [InlineData("カード番号4532-0151-1283-0366", "4532-0151-1283-0366")]
    [InlineData("Amex 3782 822463 10005", "3782 822463 10005")]
    [InlineData("ＪＣＢ ３５３０１１１３３３３０００００", "３５３０１１１３３３３０００００")]
    public void CreditCard(string text, string expected) => Finds(PiiEntityType.CreditCard, expected, text);

    [Theory]
    [InlineData("card 4532 0151 1283 0367")] // Luhn fails
    [InlineData("card 9999 9999 9999 9995")] // Luhn holds, no issuer uses 99
    [InlineData("JANコード 4901234567894")]
    [InlineData("Invoice 4532015112830366")] // a Luhn-valid number called an invoice
    public void CreditCardLookAlikes(string text) => Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.CreditCard);

    [Theory]
    [InlineData("〒100-0001 東京都", "100-0001")]
    [InlineData("〒 1000001", "1000001")]
    [InlineData("郵便番号 160-0023", "160-0023")]
    [InlineData("postal code 160-0023", "160-0023")]
    [InlineData("Springfield, IL 62704", "62704")]
    [InlineData("zip 94103-1234", "94103-1234")]
    public void PostalCode(string text, string expected) => Finds(PiiEntityType.PostalCode, expected, text);

    [Theory]
    [InlineData("部品 160-0023 を交換")]
    [InlineData("We shipped 12345 units")]
    public void PostalCodeNeedsItsContext(string text) => Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.PostalCode);

    [Theory]
    [InlineData("from 203.0.113.45 at noon", "203.0.113.45")]
    [InlineData("サーバー192.168.1.1に接続", "192.168.1.1")]
    [InlineData("blocked 2001:db8:85a3::8a2e:370:7334 today", "2001:db8:85a3::8a2e:370:7334")]
    [InlineData("peer fe80::1", "fe80::1")]
    [InlineData("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329")]
    public void IpAddress(string text, string expected) => Finds(PiiEntityType.IpAddress, expected, text);

    [Theory]
    [InlineData("version 1.2.3.4")]
    [InlineData("v1.2.3.4")]
    [InlineData("build 10.0.19045.2965")]
    [InlineData("999.1.1.1")]
    [InlineData("at 10:22:31")]
    [InlineData("MAC 00:1A:2B:3C:4D:5E")]
    public void IpAddressLookAlikes(string text) => FindsNothing(text);

    [Theory]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00")]
    [InlineData("to GB82WEST12345698765432 please", "GB82WEST12345698765432")]
    [InlineData("IBAN FR14 2004 1010 0505 0001 3M02 606 THANKS", "FR14 2004 1010 0505 0001 3M02 606")]
    public void Iban(string text, string expected) => Finds(PiiEntityType.Iban, expected, text);

    [Fact]
    public void IbanWithAWrongCheckIsNotFound() => FindsNothing("IBAN DE88 3704 0044 0532 0130 00");

    [Theory]
    [InlineData("生年月日：1990年1月2日", "1990年1月2日")]
    [InlineData("生年月日は平成2年1月2日です", "平成2年1月2日")]
    [InlineData("平成元年5月1日生まれ", "平成元年5月1日")]
    [InlineData("令和元年5月1日生まれ", "令和元年5月1日")]
    [InlineData("誕生日 1990/1/2", "1990/1/2")]
    [InlineData("生年月日 H2.1.2", "H2.1.2")]
    [InlineData("DOB: 1990-01-02", "1990-01-02")]
    [InlineData("I was born on January 2, 1990.", "January 2, 1990")]
    [InlineData("Date of birth: 2 January 1990", "2 January 1990")]
    [InlineData("DOB 02/01/1990", "02/01/1990")]
    [InlineData("DOB 12/31/1990", "12/31/1990")]
    public void DateOfBirth(string text, string expected) => Finds(PiiEntityType.DateOfBirth, expected, text);

    [Theory]
    [InlineData("The release is on January 2, 2025.")] // a date, but not a birth date
    [InlineData("生年月日 平成32年1月2日")] // Heisei ended in its 31st year
    [InlineData("DOB 1990-02-30")] // no such day
    [InlineData("DOB 13/13/1990")]
    public void DateOfBirthLookAlikes(string text) => FindsNothing(text);

    [Theory]
    [InlineData("use postgres://app:s3cret@db.internal:5432/prod.", "postgres://app:s3cret@db.internal:5432/prod")]
    [InlineData("URL：https://admin:P%40ss@intranet.example.co.jp/loginです", "https://admin:P%40ss@intranet.example.co.jp/login")]
    public void UrlWithCredentials(string text, string expected)
    {
        Finds(PiiEntityType.UrlCredentials, expected, text);
        Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.Email); // the user:pass@host part is not an e-mail
    }

    [Fact]
    public void UrlWithoutPasswordIsNotAUrlWithCredentials()
    {
        FindsNothing("see https://example.com/docs");
        Assert.DoesNotContain(Found("https://user@example.com/"), f => f.Type == PiiEntityType.UrlCredentials);
    }

    [Theory]
    [InlineData("山田太郎様、お待たせしました", "山田太郎")]
    [InlineData("氏名：渡辺 花子", "渡辺 花子")]
    [InlineData("田中さんに伝えます", "田中")]
    [InlineData("加藤俊之様のご予約", "加藤俊之")]
    [InlineData("長谷川部長から", "長谷川")]
    [InlineData("担当の伊藤と申します", "伊藤")]
    [InlineData("木村です。よろしくお願いします", "木村")]
    [InlineData("轟木さんの件", "轟木")]
    [InlineData("スミス様", "スミス")]
    [InlineData("ジョン・スミスさん", "ジョン・スミス")]
    [InlineData("Smith様からのご依頼", "Smith")]
    [InlineData("さくらと申します", "さくら")]
    [InlineData("村井 亮介と申します", "村井 亮介")]
    public void JapaneseNames(string text, string expected) => Finds(PiiEntityType.Person, expected, text, PiiLanguage.Japanese);

    [Theory]
    [InlineData("お客様各位")]
    [InlineData("担当者様、資料を添付します")]
    [InlineData("お母さんが入院しました")]
    [InlineData("サポートさん、ありがとう")]
    [InlineData("森林を歩きました")]
    [InlineData("中村屋のカレー")]
    public void JapaneseNameLookAlikes(string text) => Assert.DoesNotContain(Found(text, PiiLanguage.Japanese), f => f.Type == PiiEntityType.Person);

    [Theory]
    [InlineData("Dear Mr. Tanaka, thanks", "Tanaka")]
    [InlineData("Dr. Priya Patel called", "Priya Patel")]
    [InlineData("my name is Sarah Johnson", "Sarah Johnson")]
    [InlineData("Hi Sarah, welcome", "Sarah")]
    [InlineData("Regards,\nDaniel Kim", "Daniel Kim")]
    [InlineData("ask Priyanka Patel", "Priyanka Patel")]
    public void EnglishNames(string text, string expected) => Finds(PiiEntityType.Person, expected, text, PiiLanguage.English);

    [Theory]
    [InlineData("May I ask about my refund?")]
    [InlineData("Dear Customer, thanks for waiting.")]
    [InlineData("Main Street is closed.")]
    [InlineData("Emily said nothing")] // a given name alone needs a context word
    public void EnglishNameLookAlikes(string text) => Assert.DoesNotContain(Found(text, PiiLanguage.English), f => f.Type == PiiEntityType.Person);

    [Theory]
    [InlineData("住所は東京都千代田区千代田1-1です", "東京都千代田区千代田1-1")]
    [InlineData("住所東京都千代田区千代田1-1", "東京都千代田区千代田1-1")]
    [InlineData("北海道札幌市中央区北1条西2丁目1番地 ○○ビル", "北海道札幌市中央区北1条西2丁目1番地")]
    [InlineData("福岡県福岡市博多区博多駅前2丁目1番1号にある店", "福岡県福岡市博多区博多駅前2丁目1番1号")]
    [InlineData("埼玉県さいたま市大宮区桜木町1丁目7番地5", "埼玉県さいたま市大宮区桜木町1丁目7番地5")]
    [InlineData("横浜市西区みなとみらい2-3-1のオフィス", "横浜市西区みなとみらい2-3-1")]
    [InlineData("鹿児島県鹿児島市山下町11-1", "鹿児島県鹿児島市山下町11-1")]
    [InlineData("ship to 1600 Pennsylvania Avenue, Washington", "1600 Pennsylvania Avenue")]
    [InlineData("lives at 58 Oak Avenue, Apt 4B.", "58 Oak Avenue, Apt 4B")]
    public void Addresses(string text, string expected) => Finds(PiiEntityType.Address, expected, text);

    [Theory]
    [InlineData("東京都内に住んでいます")] // no block numbers: not an address of a person
    [InlineData("会議室は3階の301号室です")]
    [InlineData("Main Street is closed for repairs.")]
    public void AddressLookAlikes(string text) => Assert.DoesNotContain(Found(text), f => f.Type == PiiEntityType.Address);

    [Fact]
    public void LanguageAutoFollowsTheScript()
    {
        Assert.Equal(PiiLanguage.Japanese, PiiLanguages.Detect("お問い合わせ"));
        Assert.Equal(PiiLanguage.English, PiiLanguages.Detect("Hello Sarah"));
        // English name heuristics do not run on Japanese text, nor Japanese ones on English text.
        Assert.DoesNotContain(Found("田中さん", PiiLanguage.English), f => f.Type == PiiEntityType.Person);
        Assert.Contains((PiiEntityType.Person, "田中"), Found("田中さん"));
    }

    [Fact]
    public void OverlapsKeepTheHigherScoreThenTheLongerSpan()
    {
        var spans = PiiAnalyzer.ResolveOverlaps(
        [
            new PiiSpan(PiiEntityType.Email, 10, 20, 0.9, "a"),
            new PiiSpan(PiiEntityType.UrlCredentials, 0, 30, 0.95, "b"),
            new PiiSpan(PiiEntityType.Phone, 40, 50, 0.7, "c"),
            new PiiSpan(PiiEntityType.MyNumber, 40, 52, 0.7, "d"),
            new PiiSpan(PiiEntityType.Person, 60, 62, 0.5, "e"),
        ]);
        Assert.Equal([PiiEntityType.UrlCredentials, PiiEntityType.MyNumber, PiiEntityType.Person], spans.Select(s => s.Type).ToArray());
    }

    [Fact]
    public void ContextWordsRaiseAndLowerScores()
    {
        var withContext = Analyzer.Analyze("郵便番号 160-0023").Single();
        Assert.Equal(PiiEntityType.PostalCode, withContext.Type);
        Assert.InRange(withContext.Score, 0.4, 0.5);
        var card = Analyzer.Analyze("card 4532 0151 1283 0366").Single();
        var bare = Analyzer.Analyze("x 4532 0151 1283 0366").Single();
        Assert.True(card.Score > bare.Score, $"context should raise the score: {card.Score} vs {bare.Score}");
    }
}
