"""The curated merchant dictionary: well-known brands of many countries by category.

Each entry is ``Display name|alias|alias``; aliases (and the display name) are matched on the
folded descriptor as whole words (CJK names anywhere). Entries are separated by ``;``.
"""

from __future__ import annotations

MERCHANTS: dict[str, str] = {
    "FOOD_AND_DRINK_GROCERIES": """
K-Market|k market|k supermarket|k citymarket; S-Market|s market; Prisma|prisma hypermarket; Kiwi Minipris|kiwi minipris; Meny; Bunnpris; Coop Extra|coop extra; Albert Supermarket|albert hypermarket; Spar|eurospar|interspar; Lulu Hypermarket|lulu hypermarket;
Lidl; Пятёрочка|пятерочка|pyaterochka; Магнит|magnit; Перекрёсток|перекресток|perekrestok; ВкусВилл|вкусвилл; Pão de Açúcar|pao de acucar; Continente|continente modelo; Pingo Doce; BIM|bim birlesik; A101; ŞOK Market|sok market; 이마트|emart; 홈플러스|homeplus; 롯데마트|lotte mart; Aldi|aldi sud|aldi nord|aldi sued|aldi talk store; Rewe|rewe markt; Edeka|e center; Kaufland;
Netto|netto marken discount; Penny|penny markt; Norma; Globus; Tegut; Denns Biomarkt|denns; Alnatura;
Tesco|tesco stores|tesco express; Sainsbury's|sainsburys|js sainsbury; Asda|asda stores; Morrisons|wm morrison;
Waitrose; Co-op|coop|co op food|the coop; Iceland|iceland foods; Ocado; M&S Food|m and s simply food;
Carrefour|carrefour market|carrefour city|carrefour express; Leclerc|e leclerc; Intermarche; Auchan;
Monoprix; Franprix; Casino|geant casino|casino supermarche; Super U|hyper u|magasins u|u express; Lidl France;
Picard; Biocoop; Mercadona; Dia|supermercados dia; Eroski; Alcampo; Consum; Hipercor; Esselunga;
Conad; Coop Italia; Pam|pam panorama; Eurospin; Despar|spar|eurospar|interspar; Albert Heijn|ah to go;
Jumbo; Plus Supermarkt; Dirk; Hoogvliet; Delhaize; Colruyt; Migros; Coop Schweiz; Denner; Billa;
Hofer; Biedronka; Zabka|zabka polska; Lewiatan; Auchan Polska; Stokrotka; Dino|dino polska; Ica; Rema 1000;
Kiwi; Meny; Netto Marken; Whole Foods|whole foods market|wfm|wholefds|wholefds mkt|whole fds; Trader Joe's|trader joes|trader joe s; Kroger; Safeway;
Publix; Albertsons; H-E-B|heb; Wegmans; Food Lion; Giant Eagle; Stop & Shop|stop and shop; Sprouts|sprouts farmers;
Meijer; Hy-Vee|hyvee; Stater Bros|stater bros; Smart & Final|smart and final; Food 4 Less|food4less; Winn-Dixie|winn dixie; Ingles|ingles markets; Hannaford; ShopRite|shop rite; Acme Markets|acme markets; Jewel-Osco|jewel osco; Shaw's|shaws; Tom Thumb; King Soopers; Fry's Food|frys food; Smith's Food|smiths food; QFC; Dillons; Grocery Outlet; Fresh Market|the fresh market; Sprouts Market; Aldi US|aldi us; Winco; Ralphs; Vons; Fred Meyer; Save A Lot; Instacart; Loblaws; Sobeys; Metro Inc;
No Frills; Woolworths|woolworths metro; Coles; Countdown; Pak'nSave|paknsave; New World; Aeon|イオン;
Ito-Yokado|イトーヨーカドー; Life Supermarket; 盒马|盒马鲜生|freshippo; 永辉|永辉超市; 华润万家; 大润发; 物美; 多点|dmall;
叮咚买菜; 朴朴; 美团买菜; 每日优鲜; 家乐福; 沃尔玛超市; 联华超市; 超市发; 百佳; 惠康; 北京华联; Fairprice|ntuc fairprice;
Cold Storage; Giant|giant hypermarket
""",
    "FOOD_AND_DRINK_RESTAURANT": """
Autogrill; Sarni; Hesburger;
Bar|bar and grill|pub|gastropub; Uber Eats|ubereats|uber eats; Panera Bread|panera; Cheesecake Factory|the cheesecake factory; Sweetgreen; Blue Apron; HelloFresh|hello fresh; Factor|factor75; Gousto; Marley Spoon; Cava; Noodles & Company|noodles and company; Potbelly; Cracker Barrel; Texas Roadhouse; Denny's|dennys; IHOP; Red Robin; Buffalo Wild Wings|bww; P.F. Chang's|pf changs; Chuy's; Dishoom; Hawksmoor; Blockhouse; Maredo; Deliveroo; DoorDash|doordash; Grubhub; Just Eat|justeat; Lieferando;
Thuisbezorgd; Glovo; Wolt; Foodora; Postmates; Seamless; Takeaway.com|takeaway com; Pizza Express|pizzaexpress;
Nando's|nandos; Wagamama; Olive Garden; Applebee's|applebees; Chili's|chilis; Cheesecake Factory;
Red Lobster; Outback Steakhouse; TGI Fridays|tgi fridays; Vapiano; L'Osteria|losteria; Hippopotamus;
Buffalo Grill; Flunch; Courtepaille; 100 Montaditos; Telepizza; Foodhall; Zizzi; Prezzo; Bella Italia;
Frankie & Benny's; Wetherspoon|jd wetherspoon|wetherspoons; Toby Carvery; Harvester; Miller & Carter;
美团|美团外卖|meituan; 饿了么|eleme; 海底捞; 西贝; 外婆家; 呷哺呷哺; 大众点评; 全聚德; 眉州东坡; 太二酸菜鱼; 九毛九;
Sushiro|スシロー; Kura Sushi|くら寿司; Saizeriya|サイゼリヤ; Gusto|ガスト; Yoshinoya|吉野家; Sukiya|すき家;
Matsuya|松屋; Ootoya|大戸屋
""",
    "FOOD_AND_DRINK_FAST_FOOD": """
McDonald's|mcdonalds|mc donalds|mcdonald|macdo; Burger King|bk; KFC|kentucky fried chicken|肯德基;
Subway; Wendy's|wendys; Taco Bell; Chipotle|chipotle mexican; Five Guys; Shake Shack; In-N-Out|in n out;
Popeyes; Chick-fil-A|chick fil a|chickfila; Domino's|dominos|dominos pizza; Pizza Hut|pizzahut|必胜客;
Papa John's|papa johns; Little Caesars; Jack in the Box; Arby's|arbys; Sonic Drive-In|sonic drive in;
Carl's Jr|carls jr; Hardee's|hardees; Panda Express; Quick; Nordsee; Greggs; Pret A Manger|pret;
Leon|leon restaurants; Itsu; Wasabi; Tortilla; Jollibee; Max Burgers; Hesburger; Vapiano Express;
麦当劳; 德克士; 华莱士; 老乡鸡; 真功夫; 永和大王; 沙县小吃; 兰州拉面; Mos Burger|モスバーガー; Lotteria|ロッテリア;
Freshii; Five Guys Burgers; Steak n Shake; Whataburger; Culver's|culvers; Dairy Queen; Zaxby's|zaxbys;
Wingstop; Raising Cane's|raising canes; Jimmy John's|jimmy johns; Jersey Mike's|jersey mikes; Firehouse Subs;
Qdoba; Del Taco; Einstein Bros|einstein bros bagels; El Pollo Loco; Church's Chicken|churchs chicken; Long John Silver's|long john silvers; Moe's Southwest|moes southwest; Sbarro; Marco's Pizza|marcos pizza; Hungry Howie's|hungry howies; Tropical Smoothie|tropical smoothie cafe; Wienerschnitzel; Portillo's|portillos; Habit Burger|the habit; Smashburger; Fatburger; Nathan's|nathans famous; Bojangles; White Castle; Telepizza Express; Goiko; Foster's Hollywood
""",
    "FOOD_AND_DRINK_COFFEE": """
Starbucks|starbucks coffee|星巴克|スターバックス|스타벅스|старбакс; Costa Coffee|costa; Caffe Nero|cafe nero|caffenero;
Dunkin'|dunkin|dunkin donuts; Tim Hortons; Peet's Coffee|peets; Blue Bottle|blue bottle coffee;
Tchibo; Balzac Coffee; Coffee Fellows; Espresso House; Joe & the Juice|joe and the juice; Black Sheep Coffee;
Coffee Island; Columbus Cafe; Segafredo; Lavazza; 瑞幸|瑞幸咖啡|luckin|luckin coffee; Manner Coffee|manner;
Tims|tims coffee; Costa Express; Doutor|ドトール; Tully's|tullys|タリーズ; Komeda|コメダ;
Dutch Bros|dutch bros; Caribou Coffee; Biggby; Pret Coffee; 库迪|cotti coffee; 喜茶; 奈雪的茶|奈雪; 蜜雪冰城;
茶百道; 古茗; 一点点; CoCo都可|coco都可
""",
    "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR": """
Majestic Wine; Oddbins; Nicolas; V and B|v and b; Total Wine|total wine more; BevMo; Hawesko; Jacques' Wein-Depot|jacques wein depot;
LCBO; SAQ; Systembolaget; Vinmonopolet; Alko; Gall & Gall|gall gall; Mitra; Dan Murphy's|dan murphys;
BWS; Liquorland; Bottle-O; ABC Fine Wine; 酒仙网; 也买酒
""",
    "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK": """
Baskin-Robbins|baskin robbins; Krispy Kreme; Cinnabon; Jamba|jamba juice; Smoothie King; Haagen-Dazs|haagen dazs;
Ben & Jerry's|ben jerrys; Paul|boulangerie paul; Kamps|kamps backstube; Ditsch; Le Crobag; Backwerk|back werk;
Wiener Feinbacker; Anker Brot; Gail's|gails bakery; Ladurée|laduree; Lenôtre|lenotre; 85C|85度c; 好利来; 稻香村;
鲍师傅; 味多美; Auntie Anne's|auntie annes; Wetzel's Pretzels; Godiva; Lindt; Hotel Chocolat; Thorntons;
Leonidas; Jeff de Bruges; Insomnia Cookies; Crumbl|crumbl cookies
""",
    "FOOD_AND_DRINK_VENDING_MACHINES": "Selecta; Canteen Vending; Coca-Cola Vending|coca cola vending; Nayax; Vendon",
    "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES": """
Amazon|amzn|amzn mktp|amazon mktplace|amazon marketplace|amazon com|amazon co uk|amazon de|amazon fr|amazon es|amazon it|amazon eu|amazon mktpl|amazon prime now|amzn digital|amazon retail;
eBay|ebay; Etsy; AliExpress|aliexpress; Alibaba; Temu; Shein; Wish; Zalando; Otto|otto versand|otto gmbh|otto de; Allegro;
Bol.com|bol com; Cdiscount; Fnac Darty; Rakuten; Mercado Libre|mercadolibre|mercadopago; Vinted; Wallapop;
Kleinanzeigen; Marktplaats; Leboncoin; OLX; Shopee; Lazada; Tokopedia; Flipkart; Zulily; Wayfair;
淘宝|taobao; 楽天市場|rakuten ichiba|楽天; Yahoo!ショッピング; 天猫|tmall; 京东|jd com|jingdong|京东商城; 拼多多|pinduoduo; 唯品会; 闲鱼; 抖音电商|抖音; 快手; 苏宁易购;
当当|当当网; 小红书; 得物; メルカリ|mercari; Yahoo Shopping|ヤフーショッピング; Zozotown|ゾゾタウン
""",
    "GENERAL_MERCHANDISE_SUPERSTORES": """
Walmart|wal mart|walmart supercenter|wm supercenter|沃尔玛; Target|target t; Costco|costco wholesale|开市客;
Sam's Club|sams club|山姆|山姆会员店; BJ's Wholesale|bjs wholesale; Meijer Superstore; Fred Meyer Superstore;
Kmart; Real|real markt; Metro Cash & Carry|metro cash carry|metro ag; Makro; Big W; Hypermarket Auchan;
Carrefour Hypermarche; El Corte Ingles Hipercor; Superstore Canada|real canadian superstore; 麦德龙; 大润发超市; Sam's
""",
    "GENERAL_MERCHANDISE_DEPARTMENT_STORES": """
Macy's|macys; Nordstrom; Kohl's|kohls; JCPenney|jcpenney|jc penney; Dillard's|dillards; Neiman Marcus;
Saks|saks fifth avenue; Bloomingdale's|bloomingdales; John Lewis; Selfridges; Harrods; Debenhams;
House of Fraser; Marks & Spencer|marks and spencer|marks spencer|m and s; Galeria|galeria kaufhof|karstadt;
KaDeWe; Breuninger; Galeries Lafayette|galeries lafayette; Printemps; Le Bon Marche; El Corte Ingles|el corte ingles;
Rinascente; Coin; De Bijenkorf|bijenkorf; Hema; Manor; Globus Warenhaus; Myer; David Jones; 银泰; 王府井;
SOGO|崇光; 新世界百货; 大丸|daimaru; 高島屋|takashimaya; 三越|mitsukoshi; 伊勢丹|isetan; Hudson's Bay|hudsons bay
""",
    "GENERAL_MERCHANDISE_DISCOUNT_STORES": """
Dollar Tree; Dollar General; Family Dollar; Five Below; Big Lots; Ollie's|ollies bargain; Poundland; B&M|b and m bargains|b and m;
Home Bargains; Poundstretcher; Wilko; Action Store|action nederland|action bv|action france|action deutschland|action polska|action store|action belgium; TEDi|tedi; Woolworth|woolworth de; Kik; Pepco; Tiger|flying tiger;
Normal Store|normal as|normal store|normal danmark; Gifi; La Foir'Fouille|la foirfouille; Stokomani; Centrakor; Daiso|ダイソー|大创; Miniso|名创优品;
Seria|セリア; Can Do|キャンドゥ; TJ Maxx|tjmaxx|tj maxx; TK Maxx|tkmaxx; Marshalls; Ross Stores|ross stores|ross dress for less;
Burlington; HomeGoods; Primark; Costco Outlet; Half Price Books Outlet; Big Bazaar; Kiabi
""",
    "GENERAL_MERCHANDISE_CONVENIENCE_STORES": """
7-Eleven|7 eleven|7eleven|seven eleven|セブンイレブン|7 11; FamilyMart|family mart|ファミリーマート|全家; Lawson|ローソン|罗森;
Circle K; GS25|gs25; CU Store|cu편의점|bgf retail; Emart24|emart24; Wawa; Sheetz; Casey's|caseys; QuikTrip|quiktrip; Cumberland Farms; Speedway Store; Kum & Go|kum and go;
Spar Express; Tesco Express Store; Londis; Budgens; Nisa; One Stop; McColl's|mccolls; Carrefour City Store;
Relay; Valora|k kiosk; Press & Books; Ministop|ミニストップ; 便利蜂; 美宜佳; 快客; 好德; 易捷; 喜士多; 唐久
""",
    "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES": """
H&M|h and m|hm hennes|hennes mauritz|hennes; Zara; Uniqlo|ユニクロ|优衣库; Primark Clothing; Gap; Old Navy;
Banana Republic; Gap Store|gap inc|gap store|gap us|gap outlet|gap factory|gapfactory|gap kids; Mango; Pull&Bear|pull and bear; Bershka; Stradivarius; Massimo Dutti; C&A|c and a;
Esprit; s.Oliver|s oliver; KiK|kik textilien|kik textil; Tom Tailor; Peek & Cloppenburg|peek cloppenburg|p and c; Deichmann; Foot Locker;
Snipes; JD Sports; Nike|nike com|nike store; Adidas; Puma; Reebok; New Balance; Levi's|levis; Lacoste;
Tommy Hilfiger; Calvin Klein; Ralph Lauren; Hugo Boss|boss store; Next|next retail|next directory|next plc;
River Island; New Look; ASOS|asos com; Boohoo; PrettyLittleThing|pretty little thing; Topshop; Matalan;
TK Fashion; Urban Outfitters; Anthropologie; Nordstrom Rack; American Eagle; Abercrombie|abercrombie fitch;
Hollister; Forever 21; Lululemon; Victoria's Secret|victorias secret; Sephora Fashion; Pandora; Swarovski;
Claire's|claires; Tiffany|tiffany co; Cartier; Louis Vuitton; Gucci; Prada; Chanel; Hermes; Burberry;
Celio; Jules; Promod; Camaieu; Kiabi Mode; Jennyfer; Etam; Sezane; Calzedonia; Intimissimi; Tezenis;
OVS; Benetton|united colors of benetton; Zalando Lounge; About You; Reserved; CCC; LPP; Sinsay; Cropp;
Vero Moda; Only; Jack & Jones|jack and jones; Selected; Skechers; Crocs; Vans; Converse; Timberland;
Clarks; Dr. Martens|dr martens; Birkenstock; Geox; 优衣库; 太平鸟; 森马; 海澜之家; 李宁|li ning; 安踏|anta;
特步; 波司登; GU|ジーユー; Shimamura|しまむら; Aoki; 洋服の青山
""",
    "GENERAL_MERCHANDISE_ELECTRONICS": """
Apple|apple com|apple store|apple com bill|itunes|apple online store; Best Buy|bestbuy; MediaMarkt|media markt|mediamarkt;
Saturn|saturn electro; Currys|currys pc world|pc world; Argos Electronics; Darty; Boulanger; Fnac;
Euronics; Expert; Cyberport; Notebooksbilliger|notebooksbilliger de; Alternate; Conrad|conrad electronic;
Unieuro; MediaWorld|media world; Coolblue; Elkjop; Power; Elgiganten; RTV Euro AGD|euro rtv agd; x-kom|xkom;
Samsung|samsung electronics; Dell; HP Store; Lenovo; Microsoft Store|microsoft store; Newegg; Micro Center;
B&H Photo|bandh|b and h photo; Adorama; GameStop Electronics; JB Hi-Fi|jb hi fi; Harvey Norman; The Good Guys;
Bic Camera|ビックカメラ; Yodobashi|ヨドバシカメラ|yodobashi camera; Yamada Denki|ヤマダ電機; Edion; 苏宁|苏宁电器;
国美|国美电器; 小米|xiaomi|mi store; 华为|huawei; OPPO; vivo; 联想; 大疆|dji; Xiaomi Store
""",
    "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS": """
Barnes & Noble|barnes and noble|barnes noble; Waterstones; WHSmith|wh smith|whsmith; Thalia; Hugendubel;
Mayersche; Fnac Livres; Cultura; Gibert|gibert joseph; Casa del Libro; Feltrinelli|la feltrinelli;
Mondadori; Bruna; Ako; Empik; Books-A-Million|books a million; Powell's|powells; Blackwell's|blackwells;
Foyles; Kinokuniya|紀伊國屋; Tsutaya|蔦屋|ツタヤ; Maruzen|丸善; 新华书店; 西西弗书店|西西弗; 诚品书店|诚品;
Audible; Kindle|kindle unlimited|amazon kindle; Scribd; Relay Presse; Hudson News|hudson news; Readly;
The New York Times|nytimes|ny times; The Guardian; The Economist; Financial Times|ft com; Der Spiegel|spiegel;
Le Monde; Wall Street Journal|wsj
""",
    "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES": """
Hallmark; Moonpig; Card Factory; Funky Pigeon; Interflora; FTD; 1-800-Flowers|1800flowers; Fleurop;
Bloom & Wild|bloom and wild; Serenata Flowers; Shutterfly; Snapfish; CEWE|cewe fotobuch; Photobox; Paperchase;
Clintons; Build-A-Bear|build a bear; Spencer's|spencers gifts; Yankee Candle; Lush Gifts; 花点时间
""",
    "GENERAL_MERCHANDISE_OFFICE_SUPPLIES": """
Staples; Office Depot; OfficeMax|office max; Viking Direct; Ryman; Bureau Vallee|bureau vallee; McPaper;
Pagro; Buroking; Lyreco; Muji Stationery; Tokyu Hands|東急ハンズ; Loft|ロフト; 得力; 晨光文具|晨光
""",
    "GENERAL_MERCHANDISE_PET_SUPPLIES": """
Petco; PetSmart|petsmart; Chewy|chewy com; Pets at Home|petsathome; Fressnapf; Zooplus; Maxi Zoo;
Zoo Plus; Animalis; Tiendanimal; Kiwoko; Arcaplanet; Zooplus Italia; Pet Valu; Petbarn; Pet Stock|petstock;
Jollyes; Ranzijn; Zooart; 波奇网; E宠
""",
    "GENERAL_MERCHANDISE_SPORTING_GOODS": """
Decathlon|迪卡侬; Sports Direct|sportsdirect; Intersport; Dick's Sporting Goods|dicks sporting goods|dicks sporting;
Academy Sports|academy sports outdoors; REI|rei com; Cabela's|cabelas; Bass Pro|bass pro shops; Go Outdoors;
Blacks; Millets; SportScheck|sportscheck; Sport 2000; Go Sport; Globetrotter; Bergfreunde; Bever;
Sportisimo; Martes Sport; 4F; Rebel Sport; Anaconda; Mountain Warehouse; Cotswold Outdoor; Snow+Rock|snow rock;
Alpinstore; Xxl; Stadium; Big 5|big 5 sporting; Hibbett Sports|hibbett; Alpen|アルペン; Xebio|ゼビオ; 滔搏
""",
    "GENERAL_MERCHANDISE_TOBACCO_AND_VAPE": """
Smoke Shop; Tabac|bureau de tabac|tabac presse; Tabaccheria|tabacchi; Estanco; Tabakwaren|tabak borse;
Vape Shop|vapeshop; Vapestore; Juul; IQOS|iqos store; Smokers Paradise; Tobacconist; 烟草|烟酒店|烟酒行; Vaporesso;
Totally Wicked; Vape Club; Elfbar|elf bar
""",
    "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE": """
Toys R Us|toysrus|toys r us; Smyths|smyths toys; The Entertainer; Hobbycraft; Michaels|michaels stores;
Hobby Lobby; Joann|joann fabrics; Lego|lego store; Rossmann Toys; Vedes; Mytoys|my toys; King Jouet;
La Grande Recre|la grande recre; JouéClub|joueclub; Imaginarium; Game Stop Toys; Muji|無印良品|无印良品;
Flying Tiger Copenhagen; Søstrene Grene|sostrene grene; Rituals Home; Argos; Boots Gifts; Tuesday Morning;
Bed Bath & Beyond|bed bath beyond; Container Store|the container store; Pop Mart|泡泡玛特; 名创优品生活
""",
    "HOME_IMPROVEMENT_FURNITURE": """
IKEA|ikea|宜家|イケア; Wayfair Home; Ashley|ashley furniture|ashley homestore; Pottery Barn; Crate & Barrel|crate and barrel;
West Elm; Williams-Sonoma|williams sonoma; RH|restoration hardware; La-Z-Boy|la z boy; Rooms To Go;
Havertys; Dunelm; DFS; Furniture Village; Oak Furnitureland; Habitat; Made.com|made com; Sofology;
Home24; XXXLutz|xxxlutz; Höffner|hoffner; Porta Möbel|porta mobel|porta moebel; Roller; Poco; Mömax|momax;
Segmüller|segmuller; JYSK|jysk; Dänisches Bettenlager|danisches bettenlager; But|but meubles;
Conforama; Maisons du Monde; Alinea; Roche Bobois; Kave Home; Leroy Merlin Muebles; Mondo Convenienza;
Chateau d'Ax; Beter Bed; Leen Bakker; Kwantum; Black Red White|brw; Agata Meble; Bodzio; Nitori|ニトリ|似鸟;
居然之家; 红星美凯龙; 林氏木业|林氏家居; 顾家家居; 全友家居; Sleep Number; Mattress Firm; Casper; Emma Matratze|emma;
Zinus; Tempur; Simba Sleep; Bensons for Beds|bensons; Silentnight; Home Centre
""",
    "HOME_IMPROVEMENT_HARDWARE": """
Home Depot|the home depot|homedepot; Lowe's|lowes; Menards; Ace Hardware|ace hardware; True Value;
Harbor Freight|harbor freight tools; Sherwin-Williams|sherwin williams; Benjamin Moore; B&Q|b and q|bandq;
Wickes; Homebase; Screwfix; Toolstation; Travis Perkins; Jewson; Selco; OBI; Bauhaus; Hornbach; Toom|toom baumarkt;
Hagebau|hagebaumarkt; Globus Baumarkt; Hellweg; Globus Bau; Leroy Merlin|leroymerlin; Castorama; Brico Depot|bricodepot;
Mr Bricolage; Bricomarche; Weldom; Bricoman; Point P; Brico; Gamma; Karwei; Praxis; Hubo; Bricocenter;
Obi Italia; Castorama Polska; PSB Mrówka|mrowka; Bunnings|bunnings warehouse; Mitre 10; Canadian Tire;
Rona; Kent; Cainz|カインズ; Kohnan|コーナン; DCM; 百安居|b and q china; 东方雨虹; 多乐士|dulux; Farrow & Ball|farrow ball
""",
    "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE": """
Angi|angies list; HomeAdvisor; TaskRabbit; Thumbtack; Roto-Rooter|roto rooter; Mr. Rooter|mr rooter;
Dyno-Rod|dyno rod; Checkatrade; MyBuilder; Helpling; Book a Tiger|bookatiger; Handy; Hassle; Gardena Service;
Blumen Risse; Dehner|dehner garten; Pflanzen Kölle|pflanzen kolle; Truffaut; Jardiland; Botanic;
Hillebrand Tuincentrum|tuincentrum; Intratuin; Welkoop; Dobbies; Wyevale; Hillier; Notcutts; Pennells;
Calloway's|calloways nursery; Armstrong Garden; Molbak's; 啄木鸟维修|啄木鸟家庭维修; 58同城; 天鹅到家
""",
    "HOME_IMPROVEMENT_SECURITY": """
ADT|adt security; Vivint; SimpliSafe|simplisafe; Ring|ring com|ring protect; Brinks Home|brinks home security;
Verisure; Securitas Direct|securitas; Frontpoint; Arlo|arlo smart; Nest Aware|google nest; Abus; Blink|blink subscription;
Canary; Scout Alarm; Ajax Systems; EPS Alarme|eps telesurveillance; Homiris; Prosegur Alarmas|prosegur
""",
    "HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT": """
Terminix; Orkin; Rentokil; Truly Nolen; Aptive; Rollins; Anticimex; Leslie's Pool|leslies pool; Pool Supplies Direct;
Culligan; Kinetico; Rainsoft; Poolsana; Schwimmbad Center
""",
    "MEDICAL_PHARMACIES_AND_SUPPLEMENTS": """
Drogaria São Paulo|drogaria sao paulo; Drogasil; Droga Raia|drogaria raia; Pacheco|drogarias pacheco; Pague Menos; Dr. Max|dr max lekarna; Benu Lekarna|benu;
CVS|cvs pharmacy|cvs caremark; Walgreens; Rite Aid; Boots|boots uk|boots the chemist; Superdrug Pharmacy;
Lloyds Pharmacy|lloydspharmacy; Well Pharmacy; Holland & Barrett|holland and barrett|holland barrett;
GNC; Vitamin Shoppe; Vitacost; DocMorris; Shop Apotheke|shop apotheke|shop-apotheke; Sanicare; Medpex;
Apotheke|apotheke am; Pharmacie|pharmacie du|grande pharmacie; Farmacia|farmacia del; Farmacie; Apotek|apotek hjartat;
Apoteket; Kruidvat Apotheek; Etos; Benu|benu apotheek; Dr.Max|dr max; Super-Pharm|super pharm; Gemini Apteka|apteka gemini|apteka;
Chemist Warehouse; Priceline Pharmacy; Shoppers Drug Mart; Jean Coutu; Pharmaprix; Matsumoto Kiyoshi|マツモトキヨシ;
Welcia|ウエルシア; Sugi Pharmacy|スギ薬局; Tsuruha|ツルハ; 大参林; 老百姓大药房|老百姓; 一心堂; 益丰大药房|益丰;
海王星辰; 同仁堂; 国大药房; 叮当快药; 京东健康; 阿里健康; 屈臣氏药房; Myprotein|my protein; Bulk|bulk powders;
iHerb|iherb; Nu3; Foodspring; Optimum Nutrition; Herbalife
""",
    "MEDICAL_DENTAL_CARE": """
Aspen Dental; Western Dental; Bupa Dental|bupa dental care; MyDentist|my dentist; Smile Direct|smiledirectclub;
Invisalign; Coast Dental; Pacific Dental; Heartland Dental; Colosseum Dental; Dental Implant Centre;
Vitaldent; Sanitas Dental; Dentix; Caredent; DentalPro; 瑞尔齿科|瑞尔; 马泷齿科; 拜博口腔; 通策医疗
""",
    "MEDICAL_EYE_CARE": """
Specsavers; Vision Express; Fielmann; Apollo Optik|apollo optik; Krys; Optic 2000|optic2000; Afflelou|alain afflelou;
Atol|atol les opticiens; General Optica; Multiopticas; Salmoiraghi & Viganò|salmoiraghi vigano; GrandVision;
Hans Anders; Pearle; Eyes + More|eyes and more; LensCrafters; Pearle Vision; Warby Parker; America's Best|americas best contacts;
Visionworks; 1-800 Contacts|1800contacts; Lenstore; Mister Spex|misterspex; Jins|ジンズ; Zoff|ゾフ;
宝岛眼镜; 博士眼镜; 爱尔眼科; 何氏眼科; Boots Opticians|boots opticians; Optical Express
""",
    "MEDICAL_PRIMARY_CARE": """
One Medical; MinuteClinic|minute clinic; CityMD|city md; Teladoc; MDLIVE|md live; Doctor on Demand; ZocDoc|zocdoc;
Kry; Livi; Babylon Health|babylon; Doctolib; Qare; Push Doctor; Medicover; Lux Med|luxmed; Enel-Med|enel med;
Kaiser Permanente|kaiser; Sutter Health; Zava; 平安好医生; 微医; 好大夫在线|好大夫; 丁香医生; 京东家医; 春雨医生
""",
    "MEDICAL_VETERINARY_SERVICES": """
Banfield|banfield pet hospital; VCA|vca animal hospital; BluePearl; Medivet; Vets4Pets|vets4pets; Pets at Home Vets;
Companion Care Vets; Evidensia; AniCura; IVC Evidensia; Tierklinik|tierarztpraxis|tierarzt; Veterinaire|clinique veterinaire;
Veterinario|clinica veterinaria; Dierenarts|dierenkliniek; Weterynarz|przychodnia weterynaryjna; 瑞鹏宠物医院|瑞鹏; 新瑞鹏;
芭比堂; 宠物医院; 動物病院
""",
    "MEDICAL_NURSING_CARE": """
Brookdale; Sunrise Senior Living; Genesis HealthCare; Barchester; HC-One|hc one; Four Seasons Health Care;
Korian; Orpea|emeis; Domus Vi|domusvi; Pro Seniore; Alloheim; Kursana; Curanum; Visiting Angels; Home Instead;
Comfort Keepers; Caremark|caremark home care; Bluebird Care; 亲和源; 泰康之家; 椿萱茂
""",
    "MEDICAL_OTHER_MEDICAL": """
Quest Diagnostics|quest diagnostics; Labcorp|lab corp; Synlab; Sonic Healthcare; Cerba; Eurofins Biomnis|biomnis;
Unilabs; Diagnosticos; Cityhealth; Mayo Clinic; Cleveland Clinic; NHS|nhs trust; Charité|charite; Helios|helios klinik;
Asklepios; Sana Kliniken|sana klinikum; Ramsay Sante|ramsay sante; Quironsalud; HM Hospitales; Humanitas;
美年大健康|美年; 爱康国宾|爱康; 协和医院; 人民医院; 中心医院; 妇幼保健院; 病院
""",
    "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS": """
Planet Fitness; LA Fitness|la fitness; 24 Hour Fitness|24 hour fitness; Anytime Fitness; Gold's Gym|golds gym;
Equinox; Crunch Fitness|crunch; Orangetheory|orangetheory fitness|otf; SoulCycle|soul cycle; Peloton;
Lifetime Fitness|life time fitness|life time; YMCA; Barry's|barrys bootcamp; F45|f45 training; CrossFit|crossfit;
ClassPass|classpass; PureGym|pure gym; The Gym Group|the gym; David Lloyd|david lloyd leisure; Virgin Active;
Nuffield Health|nuffield; Fitness First; Bannatyne; Third Space; McFit|mcfit; FitX|fitx; Clever Fit|clever fit;
Fitness First Germany; John Reed; Urban Sports Club|urban sports club|urbansportsclub; EGYM|egym wellpass|wellpass;
Basic-Fit|basic fit|basicfit; Keep Cool; L'Orange Bleue|lorange bleue; Neoness; On Air Fitness; Fitness Park;
Holmes Place; Altafit; McFit Espana; VivaGym|viva gym; DiR; Virgin Active Italia; SportCity; Fit for Free;
Zdrofit; CityFit; Jatomi; Benefit Systems|multisport|benefit multisport; SATS; Elixia; Fitness24Seven|fitness24seven;
Gymbox; Snap Fitness; Jetts; Goodlife Fitness|goodlife; 超级猩猩; 乐刻|乐刻运动; Keep|keep会员; 威尔仕|will s; 一兆韦德;
Tipness|ティップネス; Konami Sports|コナミスポーツ; Curves|カーブス; Chocozap|チョコザップ
""",
    "PERSONAL_CARE_HAIR_AND_BEAUTY": """
Sephora|丝芙兰; Ulta|ulta beauty; Sally Beauty; Lush; The Body Shop|body shop; Bath & Body Works|bath and body works;
Douglas|parfumerie douglas; dm|dm drogerie|dm drogerie markt|dm fil; Rossmann|rossmann drogerie; Müller|muller drogerie|mueller;
Budnikowsky|budni; Marionnaud; Nocibé|nocibe; Yves Rocher; L'Occitane|loccitane; Kiko|kiko milano; Superdrug;
The Perfume Shop; Feelunique; Lookfantastic; Space NK; Primor; Druni; Clarel; Kruidvat; Etos Beauty; Hebe;
Notino; Super Pharm Beauty; Great Clips; Supercuts; Sport Clips; Fantastic Sams; Regis Salon|regis;
Toni & Guy|toni and guy; Rush Hair; Headmasters; Klier|klier friseur; Essanelle; Jean Louis David; Franck Provost;
Dessange; Camille Albane; Saint Algue; Marco Aldany; Llongueras; European Wax Center; Benefit Brow Bar;
Drybar; Massage Envy; Hand & Stone|hand and stone; Elements Massage; Treatwell; Fresha; Booksy; Planity;
屈臣氏|watsons; 丝芙兰中国; 完美日记; 花西子; 美图; Cosme|コスメ; Matsukiyo Beauty; QB House|qbハウス
""",
    "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING": """
Rinse|rinse laundry; Washio; Laundryheap; Zipjet; Presto Dry Cleaners; Johnsons Cleaners; Timpson Dry Cleaning;
Pressing; 5àsec|5asec|5 a sec; Cleanpark; Lavomatic; Waschsalon; Wasserette; Lavanderia; Pralnia;
Speed Queen; CleanCloud; Hampr; 福奈特; 荣昌洗衣|荣昌e袋洗; e袋洗; 白洋舍|hakuyosha; コインランドリー; 洗衣店
""",
    "PERSONAL_CARE_OTHER_PERSONAL_CARE": """
Headspace; Calm|calm com; BetterHelp|betterhelp; Talkspace; Noom; Cerebral; Ginger; Mindler; Instahelp;
Nurx; Hims|hims and hers|forhims; Hers; Ro|ro health; Manual; Numan; Keeps; Flo Health|flo; 简单心理; 壹心理
""",
    "GENERAL_SERVICES_INSURANCE": """
Geico; Progressive|progressive ins; State Farm|state farm; Allstate; Liberty Mutual; Farmers Insurance|farmers ins;
Nationwide; USAA|usaa p and c|usaa ins; Travelers|travelers ins; Lemonade; Root Insurance; Esurance; MetLife;
Prudential; Aetna; Cigna; Humana; UnitedHealthcare|united healthcare|uhc; Blue Cross|bcbs|blue cross blue shield;
Kaiser Insurance; Aviva; Direct Line; Admiral; Churchill; LV=|liverpool victoria|lv insurance; Hastings Direct;
Legal & General|legal and general|legal general; AXA|axa assurance|axa versicherung; Allianz|allianz versicherung;
Zurich|zurich insurance; Generali; Ergo|ergo versicherung; HUK-Coburg|huk coburg|huk24; DEVK; R+V|r v versicherung|rv versicherung;
Debeka; HanseMerkur; Signal Iduna; Gothaer; Barmenia; Techniker Krankenkasse|techniker kk|tk; AOK; Barmer; DAK|dak gesundheit;
IKK; KKH; BKK; Provinzial; VHV; Cosmos Direkt|cosmosdirekt; Check24 Versicherung; MAIF; MACIF; MAAF; Matmut;
GMF; MMA; Groupama; Harmonie Mutuelle; MGEN; Swiss Life; April Assurances|april; Mapfre; Mutua Madrileña|mutua madrilena;
Linea Directa; Sanitas; Adeslas; Caser; Unipol|unipolsai; Poste Vita; Reale Mutua; Cattolica; Centraal Beheer;
Interpolis; Nationale-Nederlanden|nationale nederlanden; Zilveren Kruis; CZ|cz zorgverzekeraar; VGZ; Menzis; OHRA;
Achmea; PZU; Warta; Ergo Hestia|hestia; Link4; Allianz Polska; Aegon; Bupa; Vitality; Simplyhealth;
中国平安|平安保险|平安产险|平安人寿; 中国人寿|国寿; 太平洋保险|中国太保; 中国人保|人保财险|picc; 泰康|泰康人寿; 新华保险;
众安保险|众安; 友邦|aia; 水滴保; 東京海上|tokio marine; 損保ジャパン|sompo; 日本生命; 第一生命; 明治安田; Sony Life|ソニー生命
""",
    "GENERAL_SERVICES_AUTOMOTIVE": """
Jiffy Lube; Valvoline|valvoline instant oil; Midas; Meineke; Pep Boys; Firestone|firestone complete auto care;
Goodyear; Discount Tire; Les Schwab; Monro; Mister Car Wash; Take 5 Oil|take 5; Kwik Fit|kwikfit; Halfords Autocentre|halfords autocentre;
ATU|a t u|auto teile unger; Pit-Stop|pitstop; Vergölst|vergolst; Euromaster; Norauto; Feu Vert|feu vert;
Speedy; Midas France; Point S; Carglass; Safelite|safelite autoglass; Autoglass; Mr. Wash|mr wash; Aral Carwash;
Waschpark; Imo Car Wash; Tunnelwash; AAA|aaa membership; ADAC; RAC; The AA|aa membership; ANWB; ACI; RACE;
途虎养车|途虎; 天猫养车; 车享家; 汽车美容; 洗车; Autobacs|オートバックス; Yellow Hat|イエローハット; Tesla Service
""",
    "GENERAL_SERVICES_CHILDCARE": """
KinderCare; Bright Horizons; Goddard School; La Petite Academy; Primrose School; Learning Care Group;
Busy Bees; Kids Planet; Tiny Tots; Fröbel|frobel kita; Kita; Crèche|creche; Les Petits Chaperons Rouges|les petits chaperons rouges;
People&Baby|people and baby; Babilou; Guarderia; Asilo nido; Kinderopvang; Partou; Kinderdagverblijf; Zlobek; Zlobek Miejski;
Care.com|care com; Sittercity; UrbanSitter; Yoopies; Babysits|babysits; 红黄蓝; 金宝贝; 美吉姆; 托育; 保育園
""",
    "GENERAL_SERVICES_EDUCATION": """
Coursera; Udemy; Skillshare; edX|edx; MasterClass|masterclass; Duolingo; Babbel; Rosetta Stone; Busuu; LinkedIn Learning;
Pluralsight; Codecademy; DataCamp; Brilliant|brilliant org; Khan Academy; Chegg; Quizlet; Course Hero|coursehero;
Pearson|pearson education; McGraw Hill; Kaplan; Princeton Review; Sylvan Learning|sylvan; Kumon; Mathnasium;
Berlitz; EF Education|ef education first; Wall Street English; Goethe-Institut|goethe institut; Alliance Francaise|alliance francaise;
Instituto Cervantes; British Council; University|universitat|universite|universidad|universita|universiteit|uniwersytet|university of;
College|community college; School|high school|elementary school; Schule|grundschule|gymnasium|volkshochschule|vhs;
Ecole|lycee|college prive; Colegio|escuela; Scuola|liceo; Hogeschool; Szkola; Studierendenwerk|studentenwerk;
新东方; 好未来|学而思; 猿辅导; 作业帮; 有道|网易有道; 中国大学MOOC; 得到; 知乎|知乎会员; 学费; 大学; 学院; 中学; 小学;
公文式|くもん; ベネッセ|benesse; 進研ゼミ
""",
    "GENERAL_SERVICES_POSTAGE_AND_SHIPPING": """
USPS|us postal service|usps com; UPS|ups store|the ups store; FedEx|fedex office|fedex kinkos; DHL|dhl express|dhl paket;
Royal Mail|royalmail; Post Office|post office ltd; Parcelforce; Evri|hermes parcelnet|myhermes; DPD; Yodel; Parcel2Go;
Deutsche Post|deutsche post ag|post ag; Hermes Germany|hermes germany gmbh; GLS; La Poste|laposte; Colissimo; Chronopost;
Mondial Relay; Correos; Seur; MRW; Poste Italiane|poste italiane; BRT|bartolini; PostNL; Bpost; Swiss Post|die post;
Poczta Polska; InPost|inpost; Australia Post|auspost; Canada Post|postes canada; Japan Post|日本郵便|郵便局;
Yamato|ヤマト運輸|クロネコヤマト; Sagawa|佐川急便; 顺丰|顺丰速运|sf express; 中通快递|中通; 圆通速递|圆通; 申通快递|申通;
韵达快递|韵达; 京东物流; 邮政|中国邮政|ems; 菜鸟|菜鸟驿站; 极兔速递|极兔; 德邦快递|德邦; 闪送; Pitney Bowes; Stamps.com|stamps com
""",
    "GENERAL_SERVICES_STORAGE": """
Public Storage; Extra Space Storage|extra space; CubeSmart; Life Storage; U-Haul Storage|uhaul storage;
Big Yellow|big yellow storage; Safestore; Access Self Storage; Shurgard; Lagerbox; MyPlace Selfstorage|myplace;
Homebox; Une Pièce en Plus|une piece en plus; Bluespace; Guardabox; Mister Box; Storage King; Kennards; 存储; 仓储
""",
    "GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING": """
H&R Block|h and r block|hr block; TurboTax|turbotax|intuit turbotax; Jackson Hewitt; Liberty Tax; TaxAct; TaxSlayer;
Intuit|intuit quickbooks|quickbooks; Xero; FreshBooks; Wave Accounting; Sage|sage software; Lexoffice|lexware;
sevDesk|sevdesk; Datev; WISO|wiso steuer|buhl data; Taxfix; Steuerberater|steuerberatung|steuerkanzlei; Lohnsteuerhilfe|lohnsteuerhilfeverein;
Expert Comptable|expert comptable|cabinet comptable; Asesoria|gestoria; Commercialista; Boekhouder|accountantskantoor; Biuro rachunkowe;
Personal Capital; Empower|empower retirement; Mint; YNAB|you need a budget; Monarch Money; Copilot Money; Quicken; 代账; 记账; 会计师事务所; 税理士
""",
    "GENERAL_SERVICES_CONSULTING_AND_LEGAL": """
LegalZoom|legalzoom; Rocket Lawyer|rocketlawyer; Avvo; Notary|notary public; Notar|notariat|notarin; Notaire|office notarial;
Notaria|notario; Notaio; Notaris; Notariusz|kancelaria notarialna; Rechtsanwalt|rechtsanwalte|anwaltskanzlei|kanzlei;
Avocat|cabinet avocat; Abogado|abogados; Avvocato|studio legale; Advocaat|advocatenkantoor; Adwokat|kancelaria adwokacka;
Solicitor|solicitors; Attorney|law office|law firm; McKinsey; Deloitte; PwC|pricewaterhousecoopers; KPMG; Accenture;
律师事务所|律所; 法律服务; 公证处; 咨询服务|咨询; 弁護士; 司法書士
""",
    "GENERAL_SERVICES_OTHER_GENERAL_SERVICES": """
Google|google storage|google one|google cloud|google workspace|google gsuite|google ads; Dropbox; iCloud|icloud storage;
Microsoft|microsoft 365|msft|office 365|microsoft office; Adobe|adobe systems|adobe creative cloud; Zoom|zoom us|zoom video;
Slack; Notion|notion so; Canva; Evernote; 1Password|1password; LastPass; NordVPN|nord vpn|nordvpn com; ExpressVPN|express vpn;
Surfshark; GoDaddy|go daddy|godaddy com; Namecheap; Squarespace; Wix|wix com; Shopify; Mailchimp; GitHub|github com;
OpenAI|openai|chatgpt; Anthropic|claude ai; Midjourney; DigitalOcean|digital ocean; AWS|amazon web services|aws emea;
Hetzner; OVH|ovhcloud; IONOS|1und1|1and1; Strato; Fiverr; Upwork; LinkedIn|linkedin premium; Tinder; Bumble; Hinge;
Match.com|match com; Parship; Meetic; ElitePartner; Patreon; OnlyFans; Substack; Medium|medium com; Grammarly;
Care Services; Mr Key; Timpson; Shoe Repair; Cobbler; Locksmith|schlusseldienst|serrurier|cerrajero; Cleaning Service|reinigung|nettoyage|limpieza;
Funeral|funeral home|bestattung|pompes funebres|funeraria; 百度网盘|百度; 阿里云; 腾讯云; 夸克网盘; 迅雷; WPS会员|wps;
58到家; 家政; 保洁; 开锁; 搬家|货拉拉|lalamove; 闪送服务; Uber Connect; TaskUs
""",
    "GOVERNMENT_AND_NON_PROFIT_DONATIONS": """
Red Cross|american red cross|british red cross|croix rouge|cruz roja|croce rossa|rode kruis|czerwony krzyz|红十字会;
Rotes Kreuz|drk|deutsches rotes kreuz; UNICEF|unicef; Oxfam; Save the Children|save the children; WWF|world wildlife fund;
Greenpeace; Amnesty|amnesty international; Doctors Without Borders|medecins sans frontieres|msf|arzte ohne grenzen|medicos sin fronteras;
Caritas; Diakonie; Misereor; Brot für die Welt|brot fur die welt; Welthungerhilfe; Plan International|plan international;
World Vision|world vision; Salvation Army|heilsarmee|armee du salut; Habitat for Humanity; St Jude|st jude childrens;
Wikimedia|wikipedia|wikimedia foundation; GoFundMe|gofundme; JustGiving|justgiving; Betterplace|betterplace org;
Cancer Research UK|cancer research; Macmillan|macmillan cancer; British Heart Foundation|bhf; RNLI; RSPCA; NSPCC;
Barnardo's|barnardos; Comic Relief; Children in Need; Shelter; Mind|mind charity; Secours Populaire|secours populaire;
Restos du Coeur|restos du coeur; Secours Catholique; Fondation de France; Emmaus; Action contre la Faim|action contre la faim;
Manos Unidas; Intermon; Emergency|emergency ong; Telethon|fondazione telethon; KWF|kwf kankerbestrijding; Wielka Orkiestra|wosp;
Polska Akcja Humanitarna|pah; 壹基金; 中华慈善总会|慈善总会; 腾讯公益; 水滴筹; 轻松筹; 希望工程; Kiva; charity water|charitywater
""",
    "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES": """
DMV|dept of motor vehicles|department of motor vehicles; DVLA|dvla vehicle tax; Passport Office|hm passport office|passport office;
USCIS; State Department|us department of state; TfL Congestion|congestion charge; Bürgeramt|burgeramt|burgerburo|buergerbuero;
Stadtkasse|stadt kasse|stadtverwaltung|landeshauptkasse|bundeskasse|gemeindekasse|gemeinde|landratsamt|kreiskasse;
Rundfunkbeitrag|ard zdf|ard zdf deutschlandradio|ard zdf dradio|beitragsservice; NHK|nhk受信料|受信料; Bundesamt|bundeszentralamt; Kfz-Zulassung|zulassungsstelle;
ANTS|agence nationale des titres securises; ANTAI|amende; Mairie|tresor public amende; Service Public|service public fr;
Ayuntamiento|ajuntament; DGT|direccion general de trafico; Comune|comune di; Motorizzazione; PagoPA|pagopa;
Gemeente|gemeente amsterdam|gemeente rotterdam; RDW; CJIB; Urzad Miasta|urzad gminy|urzad miasta; ZUS Oplata;
TV Licence|tv licensing|tv licence; Council|city council|borough council; City of|city of new york|county of;
Court|magistrates court|amtsgericht|tribunal|juzgado|tribunale; 交管|交管12123|交通罚款|罚款; 公安局|出入境; 政务|政务服务;
社保|社会保险|社保局; 医保|医疗保障; 公积金中心; 市民中心; 市役所|区役所|役所
""",
    "GOVERNMENT_AND_NON_PROFIT_OTHER_GOVERNMENT_AND_NON_PROFIT": """
ACLU; NAACP; AARP|aarp membership; NRA; Sierra Club; National Trust|national trust; English Heritage; Historic England;
Gewerkschaft|verdi|ig metall|ver di; Union Dues|union dues; CGT; CFDT; UGT; CCOO; CGIL; CISL; FNV; Solidarnosc;
Kirchensteuer|kirchgeld; Church|kirche|eglise|iglesia|chiesa|kerk|kosciol|parafia; Mosque|moschee|mosquee; Synagogue|synagoge;
Temple|寺|寺院|神社; 工会|党费; 团费
""",
    "TRANSPORTATION_GAS": """
Ipiranga|posto ipiranga; Petrobras|posto petrobras|br distribuidora; Neste; Teboil; St1; Circle K Norge|circle k; Opet; Petrol Ofisi|petrol ofisi; Lukoil|лукойл;
Shell|shell oil|shell station|shell tankstelle|壳牌; BP|bp station|bp oil|bp express; Esso; ExxonMobil|exxon|mobil;
Chevron; Texaco; Sunoco; Valero; Marathon Petroleum|marathon; Phillips 66|phillips66; Conoco; Citgo; Speedway;
Arco|am pm arco; 76|union 76; Circle K Fuel|circle k fuel; Kwik Trip; Murphy USA|murphy usa|murphy express; Racetrac|racetrac;
Loves|loves travel stop|loves country; Pilot|pilot flying j|flying j; Buc-ee's|buc ees|bucees; Holiday Stationstores|holiday station;
Aral; Jet|jet tankstelle; Total|totalenergies|total access|total energies; Agip|eni|eni station; Q8; OMV; Avia; Orlen|pkn orlen;
Lotos; Star Tankstelle|star; HEM|hem tankstelle; Westfalen|westfalen tankstelle; Raiffeisen Tankstelle; Tamoil; Repsol;
Cepsa|moeve; Galp; Petronor; Ballenoi; IP|ip italiana petroli|ipplus; Tamoil Italia; Tango; Tinq; Gulf; Texaco UK;
Jet UK; Gulf UK; Morrisons Fuel|morrisons petrol; Sainsburys Petrol|sainsburys fuel; Tesco Petrol|tesco fuel; Asda Petrol|asda fuel;
Intermarche Carburant|station intermarche; Leclerc Carburant|station leclerc; Carrefour Station; Petro-Canada|petro canada;
Esso Canada; Husky; Ampol; Caltex; BP Australia; Z Energy; Eneos|エネオス; Idemitsu|出光|apollostation; Cosmo Oil|コスモ石油;
中国石化|中石化|sinopec; 中国石油|中石油|petrochina|昆仑好客; 中海油; 加油站; Tesla Supercharger|tesla supercharger|supercharger;
Ionity; ChargePoint|chargepoint; EVgo; Electrify America; EnBW mobility|enbw mobility; Fastned; Allego; Pod Point;
特来电; 星星充电; 国家电网充电|e充电
""",
    "TRANSPORTATION_TAXIS_AND_RIDE_SHARES": """
Uber|uber trip|uber bv|uber com|ubr; Waymo; Яндекс Go|яндекс такси|yandex go taxi; 카카오택시|kakao t; BiTaksi; Lyft|lyft ride; Bolt|bolt eu|bolt ride|taxify; FreeNow|free now|freenow|mytaxi;
Cabify; Grab|grab taxi|grabtaxi; Gojek; Ola|ola cabs; Didi|didi chuxing|滴滴|滴滴出行|滴滴打车; 高德打车|高德; 曹操出行|曹操;
T3出行|t3; 首汽约车; 花小猪; 美团打车; Careem; Yandex Taxi|yandex go; Gett; Addison Lee; Kapten; G7|g7 taxi;
Heetch; Marcel; Taxi|taxi co|taxis|taxi service|taxi zentrale|taxizentrale|radio taxi|城市出租|出租车|タクシー; Curb|curb mobility;
Arro; Via|ride with via; Blacklane; Wingz; Alto; GO Taxi|go タクシー; S.Ride; DiDi Japan
""",
    "TRANSPORTATION_PUBLIC_TRANSIT": """
MTA|mta nyct|metrocard|omny; BART; Clipper|clipper card; Metro|metro transit|wmata; CTA|ventra; SEPTA; MBTA|charlie card;
TfL|tfl travel|transport for london|tfl gov uk; Oyster; National Rail; Trainline|thetrainline; Avanti|avanti west coast;
LNER; GWR|great western railway; Northern Rail|northern trains; ScotRail; Southern Railway; Thameslink; Southeastern;
Govia; Greater Anglia; CrossCountry; TransPennine; Stagecoach; Arriva; First Bus|firstbus; National Express|national express;
Megabus; Deutsche Bahn|db bahn|db vertrieb|db fernverkehr|bahn de; BVG; MVV|mvg; HVV; VBB; VRR; RMV; KVB; Deutschlandticket|deutschland ticket;
Flixbus|flixbus|flixtrain; SNCF|sncf connect|oui sncf; RATP; Navigo; TCL; Transdev; Keolis; Renfe|renfe viajeros; Metro de Madrid;
TMB|transports metropolitans; EMT; Ouigo; Iryo; Trenitalia; Italo|italo treno; ATM Milano|atm milano; ATAC; NS|ns reizigers|ns groep;
OV-chipkaart|ov chipkaart|ovchipkaart; GVB; RET; HTM; NMBS|sncb; STIB|mivb; SBB|sbb cff ffs; ZVV; OBB|obb personenverkehr;
Wiener Linien; PKP|pkp intercity|intercity; Koleje Mazowieckie; ZTM|ztm warszawa; Jakdojade; SL|sl access; Skanetrafiken; Ruter; Vy;
HSL; DSB; Rejsekort; Irish Rail|iarnrod eireann; Luas; Leap Card|leap card; CP|comboios de portugal; Carris; Metro Lisboa;
Amtrak; Caltrain; Greyhound; VIA Rail|via rail; Presto|presto card; TTC; STM; Translink; Opal|opal card; Myki; Go Card;
Octopus|octopus card|八达通; Suica|スイカ|モバイルsuica; PASMO|パスモ; JR East|jr東日本|jr east; JR West|jr西日本; JR Central|jr東海;
東京メトロ|tokyo metro; 都営|toei; 小田急; 京王; 東急; 西武鉄道; 阪急; 近鉄; 地铁|北京地铁|上海地铁|广州地铁|深圳地铁|metro china;
公交|公交卡|公共交通; 交通卡|一卡通|深圳通|羊城通|上海公共交通卡; 12306|中国铁路|铁路客票|铁路12306; 乘车码; SMRT; SBS Transit|sbs transit;
EZ-Link|ez link; MRT|mrt corp; Rapid KL; BTS|bts skytrain; KTX|korail; T-money|tmoney
""",
    "TRANSPORTATION_PARKING": """
ParkMobile|parkmobile; SpotHero|spothero; PayByPhone|paybyphone|pay by phone; RingGo|ringgo; JustPark|justpark;
NCP|ncp car park|national car parks; APCOA|apcoa parking; Q-Park|q park|qpark; Indigo|indigo parking|vinci park;
Contipark; Interparking; Saemes; Effia; Onepark; Zenpark; Easypark|easypark; ParkNow|park now; Yellowbrick; EasyPark Italia;
Telpark; Empark; Saba; LAZ Parking|laz parking; SP Plus|sp plus parking; Impark; Premier Parking; ABM Parking;
Ace Parking; Parkhaus|parkhaus|parkgarage|tiefgarage|parkplatz|parkschein; Parking|car park|carpark|parking lot|parking garage|parcheggio|aparcamiento|parkeren|parkeergarage;
停车场|停车费|停车|ETCP|捷停车; Times Car Park|タイムズ|times parking; Repark|リパーク; 駐車場|コインパーキング
""",
    "TRANSPORTATION_TOLLS": """
E-ZPass|ezpass|e zpass; SunPass|sunpass; FasTrak|fastrak; TxTag|txtag; Peach Pass; I-PASS|ipass|illinois tollway;
NTTA|north texas tollway; Toll Road|toll roads|tollway; Dart Charge|dartford crossing; M6 Toll|m6toll; Bip&Go|bip and go|bipandgo;
Vinci Autoroutes|vinci autoroute|autoroute|autoroutes; Sanef; APRR; ASF; Escota; Telepeage|telepeage|peage;
Autostrade|autostrade per litalia|telepass; Via-T|viat|via t; Autopistas|autopista|abertis; Brisa|via verde;
Asfinag|asfinag maut|vignette; Toll Collect|toll collect|maut; e-TOLL|etoll|e toll; Autostrada A4|a4 katowice|autostrada;
Brenner|brennerautobahn; Øresundsbron|oresundsbron|oresund; Storebælt|storebaelt; Go Maut; Linkt|linkt toll; eToll|e toll nsw;
407 ETR|407etr; ETC|etc利用|高速道路|ネクスコ|nexco; 高速|高速公路|高速通行费|通行费|ETC通行费|etc通行
""",
    "TRANSPORTATION_BIKES_AND_SCOOTERS": """
Lime|lime ride|li me; Bird|bird rides; Tier|tier mobility|tier scooter; Voi|voi technology|voi scooter; Dott|dott scooter|ridedott;
Bolt Scooter|bolt scooter; Spin|spin scooter; Superpedestrian|link scooter; Citi Bike|citibike; Divvy; Bay Wheels|baywheels;
Capital Bikeshare; Santander Cycles|santander cycles|tfl cycle hire; Nextbike|nextbike; Call a Bike|call a bike|db call a bike;
Donkey Republic; Swapfiets; OV-fiets|ov fiets; Vélib|velib|velib metropole; Vélo'v|velov; BiciMAD|bicimad; Bicing;
BikeMi; Veturilo; Cityscoot; Cooltra; Felyx; Check|check technologies; GoSharing; Emmy Sharing|emmy; Hellobike|哈啰|哈啰出行|哈啰单车;
美团单车|美团骑行|摩拜|mobike; 青桔|青桔单车; HelloRide; LUUP|ループ; Docomo Bike Share|ドコモ・バイクシェア|docomo bike; Brompton Bike Hire
""",
    "TRANSPORTATION_OTHER_TRANSPORTATION": """
Halfords; AutoZone|autozone; O'Reilly Auto Parts|oreilly auto|oreilly; Advance Auto Parts|advance auto; NAPA|napa auto;
Euro Car Parts; GSF Car Parts; Autodoc; Kfzteile24|kfzteile24; Oscaro; Mister Auto; Norauto Pieces; Tesla Motors|tesla inc;
Zipcar; Share Now|share now|car2go|drivenow; Miles Mobility|miles; WeShare; Getaround; Turo; Enterprise Car Club; Ubeeqo;
Free2Move|free2move; Cambio|cambio carsharing; Stadtmobil; Greenwheels; Communauto; GoGet; EVCARD|evcard; 一度用车; GoFun出行|gofun;
Kfz-Versicherung Plakette; Carvana; CarMax|carmax; Cazoo; Autohaus|autohaus; Concessionnaire; Concesionario; Concessionaria
""",
    "TRAVEL_FLIGHTS": """
Lufthansa|deutsche lufthansa|lufthansa ag; Eurowings; Condor; TUIfly|tui fly; Ryanair|ryanair ltd; easyJet|easyjet|easy jet;
Wizz Air|wizzair|wizz air; British Airways|british airw|ba com; Virgin Atlantic; Jet2|jet2 com|jet2com; Air France|airfrance;
KLM|klm royal dutch; Transavia; Iberia|iberia lineas; Vueling|vueling airlines; Air Europa; Volotea; ITA Airways|ita airways|alitalia;
Swiss|swiss international|swiss air; Austrian|austrian airlines; Brussels Airlines; SAS|scandinavian airlines|flysas; Norwegian|norwegian air;
Finnair; Aer Lingus|aer lingus; TAP|tap portugal|tap air portugal; LOT|lot polish|polish airlines; Aegean; Turkish Airlines|thy|turkish airl;
Pegasus; Emirates|emirates airline; Qatar Airways|qatar airw; Etihad; Delta|delta air|delta airlines|delta air lines; United|united airlines|united com;
American Airlines|american air|aa com; Southwest|southwest airlines|southwes; JetBlue|jetblue|jet blue; Alaska Airlines|alaska air;
Spirit Airlines|spirit airl|spirit air; Frontier Airlines|frontier air; Hawaiian Airlines|hawaiian air; Allegiant; Air Canada|air canada;
WestJet|westjet; Qantas; Virgin Australia; Jetstar; Air New Zealand; Singapore Airlines|singapore air; Cathay Pacific|cathay;
ANA|all nippon|全日空; JAL|japan airlines|日本航空; Peach Aviation|peach; Korean Air; Asiana; AirAsia|air asia; Air India; IndiGo;
中国国航|国航|air china; 东方航空|东航|china eastern; 南方航空|南航|china southern; 海南航空|海航|hainan airlines; 厦门航空|厦航;
四川航空|川航; 深圳航空|深航; 春秋航空|春秋; 吉祥航空; 山东航空; 携程机票; 飞猪机票; 机票; Kiwi.com|kiwi com; eDreams|edreams;
Opodo; Skyscanner; Kayak; Google Flights; Expedia Flights|expedia flight; CheapOair|cheapoair; Kiwi Flights; Airline|airlines|airways
""",
    "TRAVEL_LODGING": """
Airbnb|airbnb com|airbnb inc|爱彼迎; Booking.com|booking com|bkg|booking; Hotels.com|hotels com; Expedia|expedia com|expedia inc;
Vrbo|vrbo com|homeaway; Agoda|agoda com; Trivago; Hostelworld; Marriott|marriott hotels|courtyard|residence inn|sheraton|westin|w hotels|万豪;
Hilton|hilton hotels|hampton inn|hampton by hilton|doubletree|embassy suites|hilton garden inn|希尔顿; Hyatt|hyatt regency|grand hyatt|凯悦;
IHG|holiday inn|holiday inn express|crowne plaza|intercontinental|洲际|智选假日; Accor|ibis|ibis budget|novotel|mercure|sofitel|pullman|accorhotels|宜必思;
Best Western|best western; Radisson|radisson blu|park inn; Wyndham|days inn|super 8|ramada|la quinta; Choice Hotels|comfort inn|quality inn;
Motel 6|motel6; Premier Inn|premierinn; Travelodge; B&B Hotels|b and b hotel|b b hotels; Motel One|motel one; Meininger;
A&O Hostels|a and o hostels; Steigenberger; NH Hotels|nh hotel|nh collection; Melia|melia hotels; Barcelo; Riu|riu hotels;
Iberostar; Scandic; Nordic Choice|strawberry; Center Parcs|centerparcs; Premiere Classe; Campanile; Kyriad; Hotel F1|hotelf1;
Four Seasons|four seasons hotel; Ritz-Carlton|ritz carlton; Mandarin Oriental; Shangri-La|shangri la|香格里拉; Peninsula Hotels;
Toyoko Inn|東横イン|toyoko; APA Hotel|アパホテル; Dormy Inn|ドーミーイン; Route Inn|ルートイン; 如家|如家酒店; 汉庭|汉庭酒店;
全季|全季酒店; 华住|华住会; 锦江|锦江之星|锦江酒店; 7天|7天酒店|7天连锁; 亚朵|亚朵酒店; 维也纳酒店|维也纳; 格林豪泰; 城市便捷;
携程|携程旅行|ctrip|trip com; 飞猪|fliggy; 去哪儿|qunar; 同程|同程旅行|ly com; 途家; 美团酒店; Rakuten Travel|楽天トラベル; Jalan|じゃらん;
Ikyu|一休; Hotel|hotels|hotel and|motel|hostel|inn|resort|lodge|guesthouse|gasthof|gasthaus|pension|albergo|hostal|pousada|auberge|hotellerie|酒店|宾馆|旅馆|民宿|ホテル|旅館
""",
    "TRAVEL_RENTAL_CARS": """
Hertz|hertz rent a car; Avis|avis budget|avis rent a car; Budget|budget rent a car|budget car rental; Enterprise|enterprise rent a car|enterprise rent;
National Car Rental|national car; Alamo|alamo rent a car; Sixt|sixt rent a car|sixt gmbh; Europcar; Thrifty|thrifty car rental;
Dollar Rent A Car|dollar rent a car|dollar car rental; Fox Rent A Car|fox rent; Payless Car Rental; Advantage Rent A Car;
Goldcar; Centauro; Record Go|recordgo; OK Mobility|okmobility; Firefly Car Rental; Green Motion; Keddy; Maggiore|maggiore rent;
Locauto; Rent A Car|rentacar|rent a car; Ada|ada location; Ucar; Leclerc Location; Buchbinder; Starcar; Rentalcars.com|rentalcars|rentalcars com;
Discover Cars|discovercars; Auto Europe; Holiday Autos; U-Haul|uhaul|u haul; Penske|penske truck rental; Budget Truck; Ryder;
Toyota Rent a Car|トヨタレンタカー|トヨタレンタリース; Nippon Rent-A-Car|ニッポンレンタカー; Times Car Rental|タイムズカーレンタル;
Orix Rent|オリックスレンタカー; 神州租车|神州; 一嗨租车|一嗨; 悟空租车; 凹凸租车; 租车
""",
    "TRAVEL_OTHER_TRAVEL": """
TUI|tui com|tui deutschland|tui uk; Thomas Cook; Expedia Travel; Lastminute|lastminute com; Opodo Travel; Ebookers;
GetYourGuide|getyourguide; Viator; Klook|klook travel; Tiqets; Civitatis; Musement; Carnival|carnival cruise;
Royal Caribbean; Norwegian Cruise|ncl; MSC Cruises|msc crociere; Costa Crociere|costa cruises; AIDA|aida cruises|aida kreuzfahrten;
P&O Cruises|p and o cruises; P&O Ferries|p and o ferries; DFDS; Stena Line|stena line; Brittany Ferries; Irish Ferries;
Moby Lines; Grimaldi; Balearia; Trasmed; Tallink|tallink silja; Viking Line; Color Line; Ferry|ferries|faehre|fahre|ferry terminal;
Airport|aeroporto|aeropuerto|flughafen|aeroport|luchthaven|lotnisko|机场|空港; Duty Free|dufry|world duty free|heinemann duty free;
Travelex; Priority Pass; Lounge|airport lounge; ESTA|esta application; eTA Canada|eta canada; UK ETA; Visa Application|vfs global|tlscontact;
Holidaycheck; Urlaubsguru; Weg.de; Ab-in-den-Urlaub|ab in den urlaub; Jet2holidays|jet2 holidays; loveholidays; On the Beach|onthebeach;
Club Med|clubmed; Pierre & Vacances|pierre et vacances; Belvilla; Interhome; Novasol; Hotelplan; DER Touristik|dertour; FTI;
Alltours; Schauinsland|schauinsland reisen; 携程旅游; 途牛; 马蜂窝; 飞猪旅行; 旅行社|旅游; 旅行代理店|HIS|エイチ・アイ・エス; JTB; 近畿日本ツーリスト
""",
    "ENTERTAINMENT_TV_AND_MOVIES": """
Netflix|netflix com|网飞; Disney Plus|disney plus|disneyplus|disney; Hulu; HBO Max|hbo max|hbomax|max com; Paramount+|paramount plus|paramountplus;
Peacock|peacocktv; Apple TV|apple tv; Prime Video|prime video|amazon prime video|amazon video; Sky|sky digital|sky uk|sky deutschland|sky subscription|sky tv|sky ticket|sky vip|now tv|nowtv;
DAZN|dazn; Canal+|canal plus|canalplus; Crunchyroll; Mubi; RTL+|rtl plus|tvnow; Joyn|joyn plus; WOW|wow tv; Waipu|waipu tv; Zattoo;
Magenta TV|magentatv; Molotov; Salto; Movistar Plus|movistar plus; Filmin; NOW Italia|now tv it; TIMvision|timvision; Infinity|mediaset infinity;
Videoland; NLZIET|nlziet; Player.pl|player pl; Polsat Box|polsat box go; CDA Premium; Canal+ Online; Sling|sling tv; Fubo|fubotv;
Philo; YouTube Premium|youtube premium|youtubepremium|youtube tv|youtubetv|youtube; Twitch|twitch tv; Rakuten TV; Plex Pass; 爱奇艺|iqiyi; 腾讯视频; 优酷|youku;
芒果TV|芒果tv; 哔哩哔哩|bilibili|b站; 咪咕视频; U-NEXT|unext; Abema|abematv|アベマ; Hulu Japan; Lemino; AMC|amc theatres|amc theaters;
Regal|regal cinemas; Cinemark; Odeon|odeon cinemas; Vue|vue cinemas|vue entertainment; Cineworld; Picturehouse; Everyman Cinema;
CinemaxX|cinemaxx; Cinestar|cinestar; UCI|uci kinowelt; Kinopolis; Yorck Kinos; Pathé|pathe|pathe gaumont|gaumont; UGC|ugc cine cite;
CGR|cgr cinemas; MK2; Cinesa; Yelmo|yelmo cines; Kinepolis; The Space Cinema; UCI Cinemas; Vue Nederland; Cinema City; Multikino; Helios Kino|helios;
Cineplexx; Cineplex; Event Cinemas; Hoyts; 万达影城|万达电影|wanda cinema; CGV; 猫眼|猫眼电影; 淘票票; 大地影院; TOHO Cinemas|tohoシネマズ;
109シネマズ; イオンシネマ; Kino|kino am|filmtheater|cinema|cine|cinema de|movie theater|movie theatre|电影院|影城|影院|映画館
""",
    "ENTERTAINMENT_MUSIC_AND_AUDIO": """
Spotify|spotify ab|spotify com|spotify usa; SiriusXM|sirius xm|siriusxm; iHeartRadio|iheart; Apple Music|apple music; Deezer; Tidal; Amazon Music|amazon music|amazon digital music;
YouTube Music|youtube music; Pandora|pandora media; SoundCloud|soundcloud; Qobuz; Napster; Bandcamp; Audiomack; Anghami;
Ticketmaster Music; Thomann|musikhaus thomann; Just Music; Guitar Center|guitar center; Sweetwater; Musicstore|music store;
Gear4music; Andertons; Bax Music|bax shop; Woodbrass; Michenaud; Fnac Music; HMV|hmv com; Rough Trade; Recordstore; Tower Records|タワーレコード;
QQ音乐|qq music; 网易云音乐|网易云|netease music; 酷狗音乐|酷狗|kugou; 酷我音乐|酷我; 喜马拉雅|ximalaya; 蜻蜓FM; 荔枝FM; LINE MUSIC; AWA; Recochoku|レコチョク
""",
    "ENTERTAINMENT_VIDEO_GAMES": """
Steam|steam games|steampowered|valve|steam purchase; PlayStation|playstation network|psn|sony interactive|playstation store;
Xbox|xbox live|xbox game pass|microsoft xbox; Nintendo|nintendo eshop|nintendo of america|nintendo co; Epic Games|epic games store|epicgames;
Blizzard|blizzard entertainment|battle net|battlenet; Riot Games|riot games|league of legends; EA|electronic arts|ea games|origin com;
Ubisoft|ubisoft store|ubisoft connect; Roblox|roblox corp; Mojang|minecraft; Activision; Rockstar Games; GOG|gog com; Humble Bundle|humblebundle;
Green Man Gaming; Fanatical; Instant Gaming|instant gaming; Eneba; G2A; CDKeys|cdkeys; GameStop|gamestop|game stop; GAME|game digital|game retail;
Micromania; Gamestop Italia; Game Mania; Supercell; King|king com|candy crush; Zynga; miHoYo|mihoyo|hoyoverse|米哈游|原神; 网易游戏|网易游戏充值;
腾讯游戏|王者荣耀|和平精英; 完美世界; 盛趣游戏; Cygames; Square Enix|スクウェア・エニックス; Bandai Namco|バンダイナムコ; Konami; Capcom; Sega;
Google Play Games; Twitch Bits; Valve Corp; Razer Gold|razer gold; Garena; Nexon; Netmarble
""",
    "ENTERTAINMENT_CASINOS_AND_GAMBLING": """
DraftKings|draftkings; FanDuel|fanduel; BetMGM|betmgm; Caesars Sportsbook|caesars sportsbook|czr; PointsBet; Bet365|bet365|bet 365;
William Hill|williamhill; Paddy Power|paddypower; Betfair; Ladbrokes; Coral|coral racing; Sky Bet|skybet; Betfred; Betway; Unibet;
888|888 casino|888sport|888poker; PokerStars|pokerstars; Tipico; Bwin; Interwetten; Lotto|lotto24|lottoland|lottery|lotterie|loterie|loteria|lotteria|loterij|lotto bayern|westlotto;
National Lottery|national lottery|camelot; Euromillions|euro millions; Powerball; Mega Millions; FDJ|francaise des jeux|la francaise des jeux;
PMU; Winamax; Betclic; ParionsSport; SNAI; Sisal|sisal spa; Lottomatica; Eurobet; Holland Casino; Toto|toto nl; Fortuna|efortuna;
STS|sts bet; Totalizator Sportowy|lotto pl; Casino|casino barriere|spielbank|casino de|grand casino; MGM Grand|mgm resorts;
Caesars Palace; Bellagio; Wynn|wynn las vegas; Venetian; 福利彩票|福彩|中国福利彩票; 体育彩票|体彩|中国体育彩票; 彩票; 競馬|jra|即pat; ボートレース; 競輪|keirin; Toto Japan|スポーツくじ
""",
    "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS": """
Ticketmaster|ticketmaster com|ticketmaster uk; Live Nation|livenation; StubHub|stubhub; SeatGeek|seatgeek; Eventbrite|eventbrite;
Vivid Seats|vivid seats; AXS|axs com; See Tickets|seetickets; Eventim|cts eventim|eventim de; Reservix; Fnac Spectacles|fnac spectacles;
Ticketone|ticket one; Entradas|entradas com; Dice|dice fm; Skiddle; Viagogo|viagogo; Ticketswap|ticketswap; Disneyland|disneyland paris|walt disney world|disney parks|迪士尼|上海迪士尼|東京ディズニー;
Universal Studios|universal studios|universal orlando|环球影城|北京环球影城|ユニバーサル・スタジオ|usj; Six Flags|sixflags; Cedar Fair|cedar point;
SeaWorld|sea world; Legoland|legoland; Merlin Entertainments|merlin; Madame Tussauds; London Eye|the london eye; Alton Towers; Thorpe Park;
Europa-Park|europa park|europapark; Phantasialand; Heide Park; Parc Asterix|parc asterix; Futuroscope; PortAventura|port aventura; Gardaland;
Efteling; Tivoli|tivoli gardens; Liseberg; Energylandia; 欢乐谷; 长隆|长隆欢乐世界; 方特; 故宫|故宫博物院; 国家博物馆; Museum|museum of|museo|musee|musees|muzeum|博物馆|美術館|美术馆|博物館;
Louvre|musee du louvre; British Museum; MoMA|museum of modern art; Metropolitan Museum|the met; Smithsonian; Uffizi; Prado|museo del prado; Rijksmuseum;
Zoo|zoologischer garten|tierpark|zoo de|动物园|動物園; Aquarium|aquarium of|海洋馆|水族館; Stadium|stadion|stade|estadio|stadio|体育场|スタジアム;
Arena|o2 arena; NFL|nfl shop; NBA|nba league pass; MLB|mlb tv; NHL; Premier League; Bundesliga; FC Bayern|fc bayern munchen; Borussia Dortmund|bvb;
Real Madrid; FC Barcelona|fcbarcelona; Manchester United; Liverpool FC; Arsenal; Chelsea FC; Juventus; AC Milan; Inter; Ajax; PSG|paris saint germain;
Olympia; Golf|golf club|golfclub; Bowling|bowl; Trampoline Park|jump; Escape Room|escape game; Laser Tag|lasertag
""",
    "ENTERTAINMENT_OTHER_ENTERTAINMENT": """
Nightclub|night club|club; Berghain; Pacha; Ministry of Sound; Fabric London; Cirque du Soleil; Dave & Buster's|dave and busters;
Topgolf|top golf; Round1|round one|ラウンドワン; Karaoke|karaoke box|ktv|卡拉ok|カラオケ|big echo|ビッグエコー|カラオケ館; 好乐迪; 纯K|纯k; 麦乐迪; Pachinko|パチンコ;
Maruhan|マルハン; Niantic|pokemon go; Patreon Creator; Twitch Subs; Pornhub; Brazzers; Chaturbate; Escape Rooms; Paintball; Kart|kartbahn|karting;
Timezone; Chuck E. Cheese|chuck e cheese; Main Event; Kidzania|キッザニア; 大玩家; 汤姆熊; 剧本杀; 密室逃脱; 桌游; 网吧|网咖|internet cafe
""",
    "RENT_AND_UTILITIES_TELEPHONE": """
Verizon|verizon wireless|vzw; МТС|mts; Мегафон|megafon; Билайн|beeline; Turkcell; Türk Telekom|turk telekom; Claro; SK텔레콤|sk텔레콤; AT&T|at and t|att|att wireless|at t; T-Mobile|t mobile|tmobile; Sprint; US Cellular|us cellular; Mint Mobile|mint mobile;
Cricket Wireless|cricket wireless; Boost Mobile|boost mobile; Metro by T-Mobile|metropcs|metro pcs; Visible|visible wireless; Google Fi|google fi|fi;
Consumer Cellular; Tracfone; Straight Talk; Xfinity Mobile|xfinity mobile; Spectrum Mobile|spectrum mobile; Vodafone|vodafone gmbh|vodafone uk|vodafone ltd|vodafone espana|vodafone italia;
EE|ee limited|ee ltd; O2|o2 uk|telefonica uk|telefonica germany|o2 de|o2 germany; Three|three uk|hutchison 3g|3 uk; Giffgaff|giffgaff; Tesco Mobile|tesco mobile;
Sky Mobile|sky mobile; Lebara; Lycamobile|lyca mobile; Voxi; iD Mobile|id mobile; Smarty|smarty mobile; Telekom|deutsche telekom|telekom deutschland|t com;
Congstar|congstar; 1&1|1und1 telecom|1 and 1 telecom|1und1; Freenet|freenet mobile|mobilcom debitel; Aldi Talk|alditalk|aldi talk; Blau|blau de; Fonic;
Drillisch; Winsim; Klarmobil; Otelo; Ortel; Orange|orange sa|orange france|orange espana|orange polska; SFR|sfr fibre|sfr mobile; Bouygues Telecom|bouygues|bouygtel;
Free Mobile|free mobile|iliad|free telecom; Sosh; Red by SFR|red by sfr; B&You|b and you; La Poste Mobile; Prixtel; Movistar|telefonica espana|telefonica;
Yoigo; MasMovil|masmovil|mas movil; Pepephone; Simyo; Lowi; Digi Mobil|digi spain|digi; Jazztel; TIM|telecom italia|tim spa; WindTre|wind tre|windtre|wind three;
Iliad Italia|iliad italia; Ho Mobile|ho mobile; Kena Mobile; Very Mobile; Fastweb Mobile; KPN|kpn mobiel; Odido|t mobile netherlands; Simpel; Lebara NL;
Ben|ben nl; Proximus; Base; Telenet Mobile; Swisscom; Sunrise|sunrise communications; Salt|salt mobile; A1|a1 telekom; Magenta|magenta telekom;
Drei|drei at|hutchison drei; Play|p4 play|play sp z o o; Plus|plus gsm|polkomtel; Orange Polska; T-Mobile Polska|t mobile polska; Heyah; Virgin Mobile|virgin mobile;
Telia; Telenor; Tele2; Elisa; DNA|dna oyj; TDC|tdc net; Rogers|rogers wireless|rogers communications; Bell|bell canada|bell mobility; Telus|telus mobility;
Fido; Koodo; Freedom Mobile; Telstra; Optus; Vodafone AU; Spark|spark nz; One NZ; 中国移动|china mobile|移动话费|10086; 中国联通|china unicom|联通|10010;
中国电信|china telecom|电信|10000; 中国广电; 话费|话费充值|手机充值|充话费; NTT Docomo|docomo|ドコモ; au|kddi|エーユー; SoftBank|ソフトバンク|softbank mobile;
Rakuten Mobile|楽天モバイル; Y!mobile|ymobile|ワイモバイル; UQ Mobile|uq mobile; Ahamo|ahamo; Povo|povo; LINEMO|linemo; IIJmio|iijmio; mineo;
Singtel; StarHub; M1; CSL|csl mobile; SmarTone; 3HK; PCCW|pccw mobile; SK Telecom|skt; KT|kt corp; LG U+|lg uplus; Airtel|bharti airtel; Jio|reliance jio
""",
    "RENT_AND_UTILITIES_INTERNET_AND_CABLE": """
Comcast|comcast cable; Xfinity|xfinity internet|xfinity tv; Spectrum|charter spectrum|charter communications; Cox|cox communications|cox cable;
Optimum|altice usa; Frontier|frontier communications|frontier comm; CenturyLink|centurylink|lumen; Windstream|kinetic by windstream; Mediacom;
Suddenlink; RCN; Astound; Google Fiber|google fiber; Starlink|starlink internet|spacex starlink; DirecTV|directv; Dish|dish network; Sling Internet;
Virgin Media|virginmedia|virgin media ltd; BT|bt group|british telecom|bt broadband|bt plc; Sky Broadband|sky broadband; TalkTalk|talk talk; Plusnet;
Hyperoptic; Community Fibre; Zen Internet; Shell Energy Broadband; NOW Broadband; Vodafone Kabel|vodafone kabel deutschland|kabel deutschland;
Unitymedia; PYUR|pyur|tele columbus; NetCologne; M-net|m net; EWE TEL|ewe tel; Deutsche Glasfaser|deutsche glasfaser; htp; Wilhelm.tel;
Telekom Festnetz|telekom dsl; o2 DSL|o2 my home; Freebox|free haut debit|free pro; Livebox|orange internet; SFR Box|sfr box; Bbox|bbox bouygues;
RED Box; Fibra|fibra optica|fibra movistar; Fastweb|fastweb spa; Tiscali; Eolo; Ziggo; Delta Fiber|delta fiber; Caiway; Telenet; VOO; UPC|upc polska|upc schweiz;
Vectra; Inea; Netia; Multimedia Polska; Comhem; Bredband2; Teksavvy; Shaw|shaw cable; Videotron; Cogeco; NBN; Aussie Broadband|aussie bb; TPG;
iiNet; 宽带|宽带费|宽带续费; 有线电视|歌华有线|有线; 长城宽带; 鹏博士; 光纤; 有线网; NTT East|ntt東日本|フレッツ|flets; NTT West|ntt西日本; J:COM|jcom|ジェイコム;
So-net|ソネット; Biglobe|ビッグローブ; OCN; Nuro|nuro光|nuro; Internet|internet service|broadband|isp|dsl|fibre|fiber internet|glasfaser|kabel tv|cable tv
""",
    "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY": """
PG&E|pg and e|pacific gas and electric|pge; Con Edison|coned|con ed|consolidated edison; Duke Energy|duke energy; Dominion Energy|dominion energy;
Southern California Edison|sce|so cal edison; Xcel Energy|xcel energy; Georgia Power; Florida Power & Light|fpl|florida power light; National Grid|national grid|nationalgrid;
Eversource; ComEd|commonwealth edison; PSEG|pse and g; Entergy; Ameren; DTE Energy|dte energy; Consumers Energy; SDG&E|sdge|sdg and e; PECO; BGE; PPL|ppl electric;
Southern Company; SoCalGas|socalgas|southern california gas; Nicor Gas|nicor; Atmos Energy|atmos; Piedmont Natural Gas; CenterPoint|centerpoint energy;
TXU Energy|txu; Reliant Energy|reliant; Direct Energy|direct energy; Octopus Energy|octopus energy|octopus; British Gas|britishgas|british gas services;
EDF Energy|edf energy|edf|electricite de france|edf particuliers; E.ON|eon|e on|eon next|eon energie|e on energie; Ovo Energy|ovo|ovo energy; Scottish Power|scottishpower|scottish power;
SSE|sse energy|sse airtricity; Bulb|bulb energy; Shell Energy|shell energy retail; So Energy; Outfox the Market; Utility Warehouse; Good Energy; Ecotricity;
Vattenfall; EnBW; RWE; Innogy; Yello|yello strom; Stadtwerke|stadtwerke munchen|swm|stadtwerke; Lichtblick; Naturstrom; Mainova; Rheinenergie;
Eprimo; Enercity; EWE|ewe ag; Tibber; Grünwelt|grunwelt; Extra Energie|extraenergie; Engie|engie home|gdf suez; TotalEnergies Electricite|total direct energie|totalenergies electricite;
ekWateur; Mint Energie; Ilek; Primeo; Enercoop; Vattenfall France; GRDF; Enedis; Iberdrola|iberdrola clientes; Endesa|endesa energia; Naturgy|gas natural fenosa|naturgy;
Repsol Luz|repsol electricidad; Holaluz; Octopus Energy Espana; Curenergia; EDP|edp comercial|energias de portugal; Enel|enel energia|enel servizio elettrico; A2A|a2a energia;
Hera|hera comm|gruppo hera; Iren|iren mercato; Acea|acea energia; Edison|edison energia; Sorgenia; Eni Plenitude|plenitude|eni gas e luce;
Vattenfall NL; Eneco; Essent; Greenchoice; Budget Energie; Energiedirect; Pure Energie; Engie Electrabel|electrabel; Luminus; Tauron; PGE|pge obrot|pge polska;
Enea; Energa; PGNiG|pgnig; Innogy Polska; E.ON Polska; Hydro One; Toronto Hydro; BC Hydro; Hydro-Quebec|hydro quebec; Enbridge|enbridge gas; AGL|agl energy;
Origin Energy|origin energy; EnergyAustralia|energy australia; Genesis Energy; Mercury Energy; Contact Energy; 国家电网|国网|电网|网上国网; 南方电网; 电费|电力公司|供电局|电力;
燃气|燃气费|天然气|燃气公司|港华燃气|华润燃气|新奥燃气|中国燃气; 東京電力|tepco|東京電力エナジーパートナー; 関西電力|kepco; 中部電力; 東京ガス|tokyo gas; 大阪ガス|osaka gas;
Electricity|electric|electric company|power company|strom|stromrechnung|energie|electricite|electricidad|luz|elettricita|energia elettrica|stroom|prad|gas bill|gaz|gas natural|erdgas
""",
    "RENT_AND_UTILITIES_WATER": """
American Water|american water; Aqua America|aqua pa; Thames Water|thameswater; Severn Trent|severn trent; United Utilities; Anglian Water;
Yorkshire Water; Southern Water; Wessex Water; Welsh Water|dwr cymru; Northumbrian Water; South West Water; Affinity Water; Scottish Water;
Berliner Wasserbetriebe; Hamburg Wasser; Wasserversorgung|wasserwerk|wasserverband|wasserzweckverband|abwasser|wassergeld; Veolia Eau|veolia eau;
Eau de Paris; Suez Eau|suez eau|suez; Saur; Canal de Isabel II|canal isabel; Aigües de Barcelona|aigues de barcelona; Emasesa; Aqualia;
Acquedotto|acquedotto pugliese; Abbanoa; Publiacqua; Vitens; Waternet; Evides; Brabant Water; Dunea; PWN; Oasen; Wodociagi|mpwik|wodociagi miejskie;
自来水|自来水公司|水务|水务集团|水费; 水道局|水道料金|東京都水道局; Water|water bill|water company|water utility|water dept|wasser|eau|agua|acqua|water board
""",
    "RENT_AND_UTILITIES_SEWAGE_AND_WASTE_MANAGEMENT": """
Waste Management|waste management|wm ezpay; Republic Services|republic services; Waste Connections; Rumpke; Casella; Biffa; Veolia|veolia environmental;
Suez Recycling; Remondis; Alba|alba group; Berliner Stadtreinigung|bsr; Stadtreinigung Hamburg|srh; AWM|abfallwirtschaft|abfallentsorgung|abfall|mull|muellabfuhr|mullabfuhr|abfallgebuhr;
Paprec; Derichebourg; Urbaser; FCC Medio Ambiente|fcc; AMSA; AMA|ama roma; Hera Ambiente; Renewi; HVC; Avalex; Twence; MPO|mpo warszawa;
垃圾|垃圾处理费|环卫; 清掃; Sewer|sewage|sewer service|kanalgebuhr|assainissement|alcantarillado|fognatura|riolering|kanalizacja|污水处理费|下水道;
Trash|garbage|waste|refuse|bin collection|ordures|teom|basura|rifiuti|tari|afval|afvalstoffenheffing|odpady|smieci
""",
    "RENT_AND_UTILITIES_OTHER_UTILITIES": """
物业费|物业管理费|物业|物业公司; 暖气费|供暖|热力公司|供热; Fernwärme|fernwarme|fernwaerme|heizkosten|nebenkosten|betriebskosten|ista|techem|brunata|minol;
Chauffage urbain|charges de copropriete|syndic|foncia|nexity syndic; Comunidad de propietarios|comunidad propietarios|gastos comunidad;
Condominio|spese condominiali|amministratore condominio; VvE|vereniging van eigenaars; Wspolnota mieszkaniowa|spoldzielnia mieszkaniowa;
HOA|hoa dues|homeowners association|home owners assoc; Heating|heating oil|district heating; Propane|amerigas|ferrellgas|suburban propane;
Calor Gas|calor; Flogas; 管理費|共益費; 修繕積立金
""",
    "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT": """
Klarna|klarna ab|klarna bank; Afterpay; Clearpay; Affirm|affirm inc|affirm pay; Scalapay; Zip Pay|zip co|zippay;
Sezzle; Alma; Oney|oney bank; PayPal Credit|paypal credit|paypal pay in 3|paypal pay later; Ratepay; Billie; 花呗分期
""",
}
