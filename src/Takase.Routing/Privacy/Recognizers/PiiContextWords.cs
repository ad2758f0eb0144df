namespace Takase.Routing.Privacy.Recognizers;

/// <summary>Context word lists several recognizers share.</summary>
internal static class PiiContextWords
{
    /// <summary>Words that say a number is a business identifier rather than a person's (lower case).</summary>
    public static readonly IReadOnlyList<string> NotPersonalNumbers =
    [
        "注文番号", "受注番号", "注文id", "order", "tracking", "追跡番号", "伝票番号", "お問い合わせ番号", "問い合わせ番号",
        "invoice", "請求番号", "品番", "型番", "製品番号", "商品コード", "sku", "jan", "isbn", "serial",
        "シリアル", "管理番号", "受付番号", "ticket", "チケット番号", "reference", "ref", "予約番号", "booking", "会員番号",
        "transaction", "取引番号", "ロット", "lot",
    ];
}
