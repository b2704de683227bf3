package demo

// region is one region of the demo election, with what makes its stations look real:
// the IANA zone of its centre, where it is, how big its share of the stations is, and
// its districts (cities of regional significance first).
type region struct {
	code, name string
	tz         string
	lat, lon   float64
	spread     float64 // degrees around the centre that its stations scatter over
	weight     int     // roughly its number of polling stations in a national election
	city       bool    // a city of republican significance: every district is urban
	centre     string  // the town addresses name for urban districts
	districts  []string
}

// The regions of Kazakhstan as of 2022: three cities of republican significance and
// seventeen regions. The western regions keep the zones the IANA database gives them.
var regions = []region{
	{"astana", "Astana", "Asia/Almaty", 51.169, 71.449, 0.08, 400, true, "Astana",
		[]string{"Almaty district", "Baikonur district", "Yesil district", "Saryarka district", "Nura district"}},
	{"almaty", "Almaty", "Asia/Almaty", 43.238, 76.889, 0.08, 570, true, "Almaty",
		[]string{"Alatau district", "Almaly district", "Auezov district", "Bostandyk district", "Zhetysu district",
			"Medeu district", "Nauryzbay district", "Turksib district"}},
	{"shymkent", "Shymkent", "Asia/Almaty", 42.317, 69.596, 0.07, 280, true, "Shymkent",
		[]string{"Abai district", "Al-Farabi district", "Enbekshi district", "Karatau district", "Turan district"}},
	{"abai", "Abai Region", "Asia/Almaty", 50.411, 80.227, 1.6, 600, false, "Semey",
		[]string{"Semey city", "Kurchatov city", "Abai district", "Ayagoz district", "Beskaragai district", "Borodulikha district",
			"Zharma district", "Kokpekty district", "Urzhar district", "Makanshy district", "Aksuat district"}},
	{"akmola", "Akmola Region", "Asia/Almaty", 53.284, 69.388, 1.5, 670, false, "Kokshetau",
		[]string{"Kokshetau city", "Stepnogorsk city", "Akkol district", "Arshaly district", "Astrakhan district", "Atbasar district",
			"Bulandy district", "Burabay district", "Yegindykol district", "Enbekshilder district", "Ereymentau district",
			"Esil district", "Zhaksy district", "Zharkain district", "Zerendi district", "Korgalzhyn district",
			"Sandyktau district", "Tselinograd district", "Shortandy district"}},
	{"aktobe", "Aktobe Region", "Asia/Aqtobe", 50.283, 57.167, 1.8, 480, false, "Aktobe",
		[]string{"Aktobe city", "Alga district", "Ayteke Bi district", "Baiganin district", "Kargaly district",
			"Khobda district", "Martuk district", "Mugalzhar district", "Oiyl district", "Temir district",
			"Khromtau district", "Shalkar district", "Irgiz district"}},
	{"almaty-region", "Almaty Region", "Asia/Almaty", 43.867, 77.064, 1.2, 620, false, "Konaev",
		[]string{"Konaev city", "Balkhash district", "Enbekshikazakh district", "Zhambyl district", "Ile district",
			"Karasai district", "Kegen district", "Raiymbek district", "Talgar district", "Uigur district"}},
	{"atyrau", "Atyrau Region", "Asia/Atyrau", 47.107, 51.914, 1.2, 260, false, "Atyrau",
		[]string{"Atyrau city", "Zhylyoi district", "Inder district", "Isatai district", "Kurmangazy district",
			"Kyzylkoga district", "Makat district", "Makhambet district"}},
	{"east-kazakhstan", "East Kazakhstan Region", "Asia/Almaty", 49.948, 82.628, 1.4, 560, false, "Oskemen",
		[]string{"Oskemen city", "Ridder city", "Altai district", "Glubokoe district", "Zaisan district",
			"Katonkaragai district", "Kurchum district", "Samar district", "Tarbagatai district", "Ulan district", "Shemonaikha district"}},
	{"jambyl", "Jambyl Region", "Asia/Almaty", 42.900, 71.367, 1.3, 470, false, "Taraz",
		[]string{"Taraz city", "Baizak district", "Zhambyl district", "Zhualy district", "Korday district", "Merke district",
			"Moiynkum district", "Sarysu district", "Talas district", "Turar Ryskulov district", "Shu district"}},
	{"jetisu", "Jetisu Region", "Asia/Almaty", 45.017, 78.373, 1.2, 470, false, "Taldykorgan",
		[]string{"Taldykorgan city", "Tekeli city", "Aksu district", "Alakol district", "Eskeldi district", "Karatal district",
			"Kerbulak district", "Koksu district", "Panfilov district", "Sarkand district"}},
	{"karaganda", "Karaganda Region", "Asia/Almaty", 49.806, 73.085, 1.4, 620, false, "Karaganda",
		[]string{"Karaganda city", "Temirtau city", "Balkhash city", "Saran city", "Shakhtinsk city", "Abai district",
			"Aktogay district", "Bukhar-Zhyrau district", "Karkaraly district", "Nura district", "Osakarov district", "Shet district"}},
	{"kostanay", "Kostanay Region", "Asia/Qostanay", 53.214, 63.632, 1.7, 640, false, "Kostanay",
		[]string{"Kostanay city", "Rudny city", "Lisakovsk city", "Arkalyk city", "Altynsarin district", "Amangeldi district",
			"Auliekol district", "Denisov district", "Zhangeldi district", "Zhitikara district", "Kamysty district",
			"Karabalyk district", "Karasu district", "Kostanay district", "Mendykara district", "Nauyrzym district",
			"Sarykol district", "Beimbet Mailin district", "Uzunkol district", "Fedorov district"}},
	{"kyzylorda", "Kyzylorda Region", "Asia/Qyzylorda", 44.853, 65.509, 1.6, 330, false, "Kyzylorda",
		[]string{"Kyzylorda city", "Baikonur city", "Aral district", "Zhalagash district", "Zhanakorgan district",
			"Kazaly district", "Karmakshy district", "Syrdariya district", "Shieli district"}},
	{"mangystau", "Mangystau Region", "Asia/Aqtau", 43.651, 51.158, 1.1, 210, false, "Aktau",
		[]string{"Aktau city", "Zhanaozen city", "Beineu district", "Karakiyak district", "Mangystau district",
			"Munaily district", "Tupkaragan district"}},
	{"north-kazakhstan", "North Kazakhstan Region", "Asia/Almaty", 54.872, 69.143, 1.2, 590, false, "Petropavl",
		[]string{"Petropavl city", "Aiyrtau district", "Akzhar district", "Akkayin district", "Esil district",
			"Zhambyl district", "Magzhan Zhumabayev district", "Kyzylzhar district", "Mamlyut district",
			"Gabit Musirepov district", "Taiynsha district", "Timiryazev district", "Ualikhanov district", "Shal Akyn district"}},
	{"pavlodar", "Pavlodar Region", "Asia/Almaty", 52.287, 76.967, 1.4, 530, false, "Pavlodar",
		[]string{"Pavlodar city", "Ekibastuz city", "Aksu city", "Aktogay district", "Bayanaul district", "Zhelezin district",
			"Irtysh district", "Terenkol district", "May district", "Pavlodar district", "Uspen district", "Sharbakty district"}},
	{"turkistan", "Turkistan Region", "Asia/Almaty", 43.297, 68.251, 1.3, 860, false, "Turkistan",
		[]string{"Turkistan city", "Kentau city", "Arys city", "Baidibek district", "Kazygurt district", "Maktaaral district",
			"Ordabasy district", "Otyrar district", "Saryagash district", "Sauran district", "Sozak district",
			"Tolebi district", "Tulkubas district", "Shardara district", "Zhetisai district", "Keles district"}},
	{"ulytau", "Ulytau Region", "Asia/Almaty", 47.787, 67.714, 1.5, 110, false, "Zhezkazgan",
		[]string{"Zhezkazgan city", "Satpayev city", "Karazhal city", "Ulytau district", "Zhanaarka district"}},
	{"west-kazakhstan", "West Kazakhstan Region", "Asia/Oral", 51.233, 51.367, 1.5, 460, false, "Oral",
		[]string{"Oral city", "Akzhaik district", "Bayterek district", "Bokeyorda district", "Borili district",
			"Zhangala district", "Zhanibek district", "Kaztalov district", "Karatobe district", "Syrym district",
			"Taskala district", "Terekti district", "Shyngyrlau district"}},
}

// capital is a city abroad with polling stations at the embassy or consulate.
type capital struct {
	country  string // code prefix, e.g. USA-1
	city, tz string
	lat, lon float64
	weight   int
}

// The "Abroad" region: stations in a few capitals, each in its own time zone.
var abroad = []capital{
	{"RUS", "Moscow", "Europe/Moscow", 55.756, 37.617, 4},
	{"CHN", "Beijing", "Asia/Shanghai", 39.904, 116.407, 2},
	{"USA", "Washington", "America/New_York", 38.907, -77.037, 2},
	{"DEU", "Berlin", "Europe/Berlin", 52.520, 13.405, 2},
	{"TUR", "Ankara", "Europe/Istanbul", 39.933, 32.860, 2},
	{"GBR", "London", "Europe/London", 51.507, -0.128, 1},
	{"UZB", "Tashkent", "Asia/Tashkent", 41.299, 69.240, 2},
	{"KGZ", "Bishkek", "Asia/Bishkek", 42.875, 74.590, 2},
	{"KOR", "Seoul", "Asia/Seoul", 37.566, 126.978, 2},
	{"ARE", "Abu Dhabi", "Asia/Dubai", 24.454, 54.377, 1},
}

// Streets found in most Kazakh towns, and the buildings polling stations are in.
var streets = []string{"Abai Ave", "Dostyk St", "Tole Bi St", "Kabanbay Batyr St", "Zheltoksan St", "Satpayev St",
	"Auezov St", "Baitursynov St", "Kenesary St", "Bogenbay Batyr St", "Seifullin Ave", "Al-Farabi Ave", "Turan Ave",
	"Mangilik El Ave", "Raiymbek Ave", "Nauryzbay Batyr St", "Zhambyl St", "Kunaev St", "Gagarin St", "Mukanov St",
	"Amangeldi St", "Makataev St", "Pushkin St", "Tauelsizdik Ave", "Respublika Ave", "Kurmangazy St"}

var buildings = []string{"School No. %d", "School-lyceum No. %d", "Gymnasium No. %d", "College No. %d",
	"House of Culture", "Sports school No. %d", "Kindergarten No. %d", "Rural club", "Village akimat building",
	"Library No. %d", "Youth centre"}

// Names for the sealed (fake) contact details of demo observers.
var firstNames = []string{"Айгерім", "Әсел", "Бауыржан", "Ерлан", "Жанар", "Нұрлан", "Дана", "Ғалым", "Мадина",
	"Арман", "Гүлнар", "Ерболат", "Сәуле", "Дәурен", "Айдос", "Әлия", "Қанат", "Ләззат", "Темірлан", "Жансая",
	"Ольга", "Сергей", "Наталья", "Андрей", "Үміт", "Асқар", "Іңкәр", "Мұрат"}

var lastNames = []string{"Сейітқали", "Нұрбек", "Жақсылық", "Әбен", "Тоқтар", "Қасым", "Ким", "Оспан", "Серік",
	"Бекмұхан", "Құрманғали", "Исабек", "Өтеген", "Шәріп", "Байжан", "Ұзақ"}

var mobilePrefixes = []int{701, 702, 705, 707, 708, 747, 771, 775, 776, 777, 778}
