namespace Takase.Routing.Privacy;

/// <summary>The built-in name and place lists behind <see cref="PiiDictionaries.Default"/>.</summary>
internal static class DefaultNameLists
{
    /// <summary>About 150 of the most common Japanese surnames.</summary>
    public static readonly string[] JapaneseSurnames =
    [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "渡邊", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口",
        "松本", "井上", "木村", "林", "斎藤", "斉藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下", "中島",
        "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本", "福田", "太田",
        "西村", "藤井", "金子", "岡本", "藤原", "中野", "三浦", "原田", "中川", "松田", "竹内", "小野", "田村", "中山",
        "和田", "石田", "森田", "上田", "原", "柴田", "酒井", "工藤", "横山", "宮崎", "宮本", "内田", "高木", "安藤",
        "谷口", "大野", "丸山", "今井", "高田", "藤本", "武田", "村田", "上野", "杉山", "増田", "平野", "大塚", "千葉",
        "久保", "松井", "小島", "岩崎", "桜井", "野口", "松尾", "野村", "木下", "菊地", "菊池", "佐野", "大西", "杉本",
        "新井", "浅野", "熊谷", "大久保", "渡部", "高野", "田口", "松浦", "小松", "吉川", "中田", "堀", "荒木", "望月",
        "永井", "本田", "小山", "北村", "川口", "辻", "関", "水野", "河野", "市川", "西田", "平田", "石原", "飯田",
        "五十嵐", "早川", "星野", "矢野", "秋山", "服部", "細川", "北川", "山内", "桑原", "宮田", "大橋", "堀内", "沢田",
        "吉村", "菅原", "黒田", "岩田", "小池", "須藤", "島田", "片山", "内藤", "古川", "松岡", "川村", "西川", "土屋",
    ];

    /// <summary>Common Japanese given names, several generations.</summary>
    public static readonly string[] JapaneseGivenNames =
    [
        "太郎", "次郎", "一郎", "三郎", "健太", "翔太", "大輔", "拓也", "直樹", "健一", "誠", "浩", "隆", "学", "亮", "翔",
        "蓮", "湊", "陽翔", "悠真", "大翔", "颯太", "陸", "悠人", "健", "和也", "達也", "哲也", "雄一", "洋平", "修",
        "剛", "聡", "茂", "進", "勇気", "明", "翼", "航", "大和", "匠", "樹", "蒼", "悠斗", "海斗", "拓海", "大樹",
        "優斗", "誠一", "博", "清", "勝", "裕太", "慎也", "康介", "賢治", "健二", "浩二", "正樹", "秀樹", "光太郎",
        "花子", "陽菜", "結衣", "美咲", "さくら", "葵", "凛", "結菜", "陽葵", "芽依", "美穂", "恵子", "幸子", "洋子",
        "京子", "由美", "裕子", "直子", "智子", "明美", "真由美", "久美子", "愛", "舞", "彩", "香織", "麻衣", "千尋",
        "奈々", "美香", "恵美", "優子", "加奈子", "理恵", "沙織", "綾", "瞳", "遥", "七海", "莉子", "美紀", "由香",
        "真理", "純子", "典子", "紀子", "さゆり", "みどり", "ひかり", "あかり", "ゆい", "めぐみ", "桃子", "彩花", "美月",
    ];

    /// <summary>Common given names in Latin script: English ones and romanized Japanese ones. Words that are also
    /// everyday English words (May, Will, Mark, Grace, Bill) are left out on purpose.</summary>
    public static readonly string[] LatinGivenNames =
    [
        "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Christopher",
        "Daniel", "Matthew", "Anthony", "Donald", "Steven", "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian",
        "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric",
        "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory", "Alexander",
        "Patrick", "Jack", "Dennis", "Tyler", "Aaron", "Henry", "Peter", "Adam", "Nathan", "Zachary", "Kyle", "Ethan",
        "Noah", "Liam", "Lucas", "Oliver", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan",
        "Jessica", "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily",
        "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura",
        "Cynthia", "Kathleen", "Amy", "Angela", "Anna", "Brenda", "Emma", "Olivia", "Sophia", "Isabella", "Mia",
        "Charlotte", "Amelia", "Evelyn", "Abigail", "Ella", "Chloe", "Hannah", "Rachel", "Megan", "Lauren", "Julia",
        "Priya", "Raj", "Wei", "Mei", "Carlos", "Maria", "Juan", "Sofia", "Ahmed", "Fatima", "Diego", "Lucia", "Elena",
        "Taro", "Hanako", "Kenji", "Hiroshi", "Yuki", "Akira", "Takeshi", "Keiko", "Naoko", "Haruto", "Yui", "Sakura",
        "Daisuke", "Shota", "Ryo", "Kaori", "Yumi", "Emi", "Kazuki", "Satoshi", "Makoto", "Tomoko", "Ayumi", "Misaki",
        "Kenta", "Yuto", "Sota", "Aoi", "Hina", "Mai", "Naoki", "Takumi", "Yoko", "Akiko", "Ichiro", "Jiro",
    ];

    /// <summary>Common surnames in Latin script. Surnames that are everyday words (White, Young, Long, King …) are
    /// left out: alone they would mark ordinary capitalised words.</summary>
    public static readonly string[] LatinSurnames =
    [
        "Smith", "Johnson", "Williams", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
        "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Allen", "Wright", "Torres", "Nguyen",
        "Flores", "Adams", "Nelson", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Wang",
        "Singh", "Kumar", "Murphy", "Rogers", "Morgan", "Cooper", "Peterson", "Bailey", "Kelly", "Howard", "Cox",
        "Richardson", "Watson", "Brooks", "Bennett", "Hughes", "Sanders", "Myers", "Ross", "Foster", "Brown", "Schmidt",
        "Müller", "Dubois", "Rossi", "Silva", "Santos", "Kowalski", "Ivanov", "O'Brien", "McDonald", "Fischer",
        "Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
        "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Saito", "Shimizu",
        "Yamazaki", "Ikeda", "Hashimoto", "Ishikawa", "Ogawa", "Okada", "Fujita", "Goto", "Kondo", "Murakami", "Endo",
        "Aoki", "Sakamoto", "Nishimura", "Fujii", "Okamoto", "Nakano", "Miura", "Harada", "Nakajima", "Maeda",
    ];

    /// <summary>The 47 prefectures.</summary>
    public static readonly string[] Prefectures =
    [
        "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県",
        "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
        "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
        "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
    ];
}
