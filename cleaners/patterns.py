"""Boilerplate patterns as data, grouped by removal reason.

Keys are exactly the `schemas.REMOVAL_REASONS` vocabulary. Each group is a tuple of
compiled, case-insensitive patterns matched against a whole, whitespace-normalised
line; `match_reason` returns the first group that matches, so every match keeps
its reason. `SECTION_HEADERS` are the patterns that open a block (a "Recent Stories"
heading): the lines under them inherit the reason until prose resumes.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from itertools import pairwise
from typing import Any

from cleaners.language import WORD
from schemas import REMOVAL_REASONS

_sre: Any = importlib.import_module("re._constants")
_parser: Any = importlib.import_module("re._parser")
"""`re`'s own parser and opcodes (CPython 3.11+, untyped): read the parse tree of a pattern."""


def _group(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Compile one reason's patterns; refuse an empty group (it would silently match nothing)."""
    if not patterns:
        raise ValueError("a pattern group needs at least one pattern")
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_FOOTER_LINK = (
    r"(?:about(?: us)?|advertising|advertise|sitemap|site map|archives?|authors?|contacts?"
    r"|contact us|privacy(?: policy)?|terms(?: of (?:use|service))?|cookies?(?: policy)?"
    r"|careers|jobs|help|faq|rss|imprint|impressum|datenschutz|kontakt|legal|press)"
)
"""One footer link, for a line of nothing but footer links."""

_LANGUAGE_NAME = (
    r"(?:english|español|français|deutsch|русский|українська|português|portuguese|italiano"
    r"|polski|magyar|čeština|türkçe|nederlands|中文|日本語|한국어|العربية|فارسی|اردو)"
)
"""A language named in itself, for an edition switcher."""

_AGO = r"\d+\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?|mo|months?|y|years?)\s+ago"  # noqa: E501

PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "navigation": _group(
        r"^(?:home|menu|search|main menu|open menu|close|close menu|skip to (?:main )?content"
        r"|skip navigation|sign in|sign up|log ?in|log ?out|register|my account|sections?"
        r"|back to top|top|next|previous|prev|next article|previous article|more|see all|view all"
        r"|show more|load more|go|toggle navigation|navigation|all sections|index|edition"
        r"|english|español|français|deutsch|video|videos|photos|podcasts?|newsletters?|live"
        r"|opinion|world|politics|business|sports?|tech(?:nology)?|science|health"
        r"|entertainment|lifestyle|culture|travel|weather|news|local|national|u\.?s\.?"
        r"|navigation menu|personal tools|not logged in)$",
        # A breadcrumb; "/" only spaced, or a path, a date or "POST /oauth HTTP/1.1" is one.
        r"^(?:[\w&.'’ -]{1,25})(?:(?:\s*[>»›|]\s*|\s+/\s+)[\w&.'’ -]{1,25}){2,}$",
        r"^(?:page \d+ of \d+|\d+ of \d+|page \d+)$",
        r"^(?:[\w&'’.-]+ ){0,2}[\w&'’.-]+ [|•·] (?:[\w&'’.-]+ ){0,2}[\w&'’.-]+(?: [|•·] .{1,30})*$",
        # An edition or language switcher: language names and nothing else, spaced or not.
        rf"^{_LANGUAGE_NAME}(?:[\s|•·,/]*{_LANGUAGE_NAME})+$",
    ),
    "recent_stories": _group(
        r"^(?:recent|latest|more|top|popular|trending|featured|most (?:read|popular|viewed|shared|commented)"  # noqa: E501
        r"|editor'?s? (?:picks?|choice)|don'?t miss|last materials|in other news|what'?s new|just in"  # noqa: E501
        r"|more (?:top )?(?:stories|news|headlines)|breaking news)"
        r"(?: (?:stories|news|articles|posts|videos|headlines|content|trending|now|this week"
        r"|today)){0,2}\s*:?$",
        # "More stories from X", and a site's own river headings: "Popular on IndieWire",
        # "Most read in Science", "Trending in Entertainment", "Next Up In Tech".
        r"^(?:(?:more|latest|other) (?:stories|news|articles)|popular|most read|trending"
        r"|next up) (?:from|on|in|by|at) [^.!?,]{1,40}$",
        r"^" + _AGO + r"$",
        r"^(?:updated |posted |published )?" + _AGO + r"\b.{0,40}$",
    ),
    "related": _group(
        r"^related(?: topics?| stories| articles?| posts?| news| coverage| content| links?| reading"
        r"| videos?| tags?)?(?: (?:from|on|in|at|about) [^.!?]{1,60})?\s*:?$",
        r"^(?:see|read) also\b.{0,120}$",
        r"^(?:read|see) more\b.{0,120}$",
        r"^(?:read next|up next|what to read next|further reading|recommended(?: for you| stories)?"
        r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)(?: these)?|more like this"
        r"|also (?:read|see)|suggested (?:stories|articles|reading)|topics?|tags?|filed under)\s*:?.{0,120}$",  # noqa: E501
        r"^more (?:on|about|from) (?:this|the|our)\b.{0,40}$",
        r"^(?:tags?|topics?|categories|category|filed under)\s*:.{0,200}$",
    ),
    "share": _group(
        r"^(?:share|tweet|pin|pin it|email|e-mail|print|whatsapp|facebook|twitter|x|linkedin|reddit"
        r"|telegram|pinterest|flipboard|messenger|copy link|copy|link copied|save|comment"
        r"|share this(?: article| story| page| post)?|share(?: this)? on \w+|share via \w+"
        r"|email this|print this"
        r"|share(?: this)? (?:article|story)|gift this article|share full article)\s*:?$",
        r"^(?:(?:share|tweet|pin|email|print|facebook|twitter|linkedin|whatsapp|reddit|telegram"
        r"|pinterest|messenger|copy link|save)\s*[,|•·]?\s*){2,}$",
        r"^(?:click to share|share this with|share with your friends|follow us on)\b.{0,80}$",
        # The article's tools, also as list items ("- Order Reprints", "- Print Article").
        r"^[-–•*\s]*(?:order reprints?|reprints?|print article|print this article"
        r"|reprints (?:&|and) permissions)\s*:?$",
        r"^like this (?:story|article)\?\s*share it\b.{0,60}$",
    ),
    "subscribe": _group(
        r"\b(?:subscribe|subscription|subscribers?|newsletter|sign up for|sign up to"
        r"|support us|become (?:a|our) (?:patron|member|supporter|subscriber)|donate|donation"
        r"|unlimited (?:digital )?access|already a subscriber|free trial|create (?:a free|an) account"  # noqa: E501
        r"|get (?:our|the) (?:daily|weekly|free)|join (?:our|the) mailing list|register now)\b",
        r"^(?:follow us|follow|like us on facebook)\b.{0,60}$",
        r"\b(?:support|fund) (?:our|independent) journalism\b",
        r"\bfollow (?:us|our)\b.{0,60}\b(?:channel|facebook|twitter|instagram|telegram|google news|app)\b",  # noqa: E501
        # A newsletter form's own messages, which extractors keep beside the article.
        r"^(?:thanks|thank you) for (?:signing up|subscribing|registering)\b.{0,80}$",
    ),
    "comments": _group(
        r"^(?:\d+\s*)?(?:comments?|replies|reply|responses?)\s*(?:\(\d+\))?:?$",
        r"^(?:leave|post|add|write|submit) (?:a|your) (?:comment|reply|response)\b.{0,80}$",
        r"^(?:join|start) the (?:conversation|discussion)\b.{0,80}$",
        r"^(?:show|view|load|hide|see) (?:all )?(?:\d+ )?comments?\b.{0,40}$",
        r"\bcomment(?:ing)? (?:policy|guidelines|rules)\b",
        r"^(?:be the first to comment|no comments yet|comments are closed)\b.{0,40}$",
        r"^comment on this (?:story|article|post)\s*:?$",
        # "34 responses to “Title”": the heading over a post's comments names it in quotes.
        r"^\d+ (?:comments?|responses?|replies) (?:to|on) [“\"'‘«].{1,120}$",
        r"^(?:you must be logged in to post a comment|log in to comment)\b.{0,40}$",
    ),
    "advertising": _group(
        r"^(?:advertisement|advertising|advert|ad|ads|sponsored|sponsored content|paid content"
        r"|promoted|partner content|story continues below(?: advertisement)?|article continues below"  # noqa: E501
        r"|continue reading below|scroll to continue(?: with content)?|ad feedback|report this ad"
        r"|skip ad|adchoices|presented by)\s*:?$",
        r"^(?:sponsored|promoted|paid) (?:by|links?|stories|content)\b.{0,60}$",
    ),
    "footer": _group(
        r"(?:©|\(c\)\s*\d{4}|\bcopyright\b)",
        r"\ball rights reserved\b",
        r"^(?:privacy(?: policy| notice| settings| center)?|cookie(?:s| policy| settings| preferences)?"  # noqa: E501
        r"|terms(?: of (?:use|service|sale))?|terms (?:and|&) conditions|about|about us|contact|contact us"  # noqa: E501
        r"|careers|jobs|sitemap|site map|help|faq|accessibility|advertise(?: with us)?|press"
        r"|corrections|ethics|masthead|rss|rss feeds?|feedback|legal|imprint|impressum|disclaimer"
        r"|do not sell my (?:personal )?info(?:rmation)?|your privacy choices|manage cookies"
        r"|editorial (?:policy|standards)|code of (?:conduct|ethics)|media kit|store|shop)\s*:?$",
        r"\b(?:privacy policy|terms of (?:use|service)|cookie policy|we use cookies|uses cookies)\b",  # noqa: E501
        r"^(?:powered by|designed by|developed by|hosted by)\b.{0,60}$",
        # A row of footer links and nothing else ("Advertising Sitemap Archive About Authors").
        rf"^{_FOOTER_LINK}(?:[\s|•·,/-]+{_FOOTER_LINK})+$",
    ),
    "metadata": _group(
        r"^(?:by|written by|posted by|author|authors|reporting by|words by|story by|edited by"
        r"|editor(?!['’]))\b\s*:?\s*\S.{0,80}$",
        r"^(?:published|updated|posted|last updated|modified|date)(?:\s*:.{0,60}|\s+(?:on\s+)?\w*\.?\s*\d.{0,50})$",  # noqa: E501
        r"^(?:\d+\s*min(?:ute)?s? read|reading time\s*:?.{0,20}|\d+\s*min(?:ute)?s?)$",
    ),
    "boilerplate": _group(
        r"^(?:enable read mode|\d+% font size|font size|text size|a\s*a\s*a|listen|listen to this article"  # noqa: E501
        r"|listen to article|loading\.*|please wait\.*|javascript is (?:disabled|required).{0,80}"
        r"|please enable javascript.{0,80}|image|photo|video|watch|play|pause|mute|close ad"
        r"|\d+:\d+|\d+|[^\w\s]+|x|view gallery|enlarge this image|toggle caption|hide caption"
        r"|expand|collapse|play video|watch video|open in app|download the app|get the app)\s*:?$",
        r"^(?:photo|image|picture|credit|file photo|illustration)\s*:.{0,80}$",
        r"^(?:this (?:article|story|content) (?:was|is) (?:originally|first) (?:published|posted)).{0,120}$",  # noqa: E501
        r"\b(?:your browser does not support|enable javascript|ad ?blocker)\b",
        # A wiki's maintenance categories ("Wikipedia articles with GND identifiers").
        r"^(?:wikipedia )?articles (?:with|containing) [\w .'’-]{1,60}"
        r" (?:identifiers|links|statements(?: from \d{4})?)$",
        # "Found a typo? Select it and press Ctrl+Enter" (a site feature, common on Russian
        # and Ukrainian sites in every language they publish in).
        r"^.{0,100}\b(?:ctrl|strg)\s*\+\s*enter\b.{0,60}$",
        # A widget's error message ("An error has occurred, please try again later.").
        r"^(?:an error has occurred|an error occurred|something went wrong)[,.!]?"
        r"\s*(?:please try again(?: later)?[.!]?)?$",
        # The markup of a tracking pixel or an embed (a <noscript> fallback) that a dump kept
        # as text: '<img src="//b.scorecardresearch.com/p?c1=2" />', '<div><iframe src=...'.
        r"^(?:<(?:div|span|p|noscript)\b[^<>]*>\s*)*<(?:img|iframe|script|noscript|link|meta"
        r"|style|embed|object|source)\b[^<>]*(?:>.*)?$",
    ),
}
"""reason -> patterns; a line matching any pattern of a group is removed for that reason."""

LOCALISED: dict[str, tuple[str, ...]] = {
    # The same chrome in the languages news comes in besides English (de, fr, es, pt, it,
    # pl, hu, cs, ru), appended to each reason's group so the English patterns keep their
    # positions (SECTION_HEADERS, PREFILTERS index them). Whole-line forms only, except the
    # floating copyright / cookie / comment-policy / affiliate phrases, whose words are in
    # FLOATING_TRIGGERS.
    "navigation": (
        r"^(?:startseite|zur startseite|men[üu]|hauptmen[üu]|suche|suchen|anmelden|abmelden"
        r"|registrieren|mein konto|zum inhalt(?: springen)?|navigation (?:öffnen|schließen)"
        r"|nach oben|zurück|weiter|vorherige[rs]? artikel|nächste[rs]? artikel"
        r"|accueil|rechercher|se connecter|connexion|s'inscrire|mon compte|aller au contenu"
        r"|retour en haut|retour|suivant|précédent|article (?:suivant|précédent)"
        r"|inicio|portada|buscar|búsqueda|iniciar sesión|registrarse|mi cuenta|volver(?: arriba)?"
        r"|siguiente|anterior|início|página inicial|pesquisar|entrar|minha conta"
        r"|voltar(?: ao topo)?"
        r"|próximo|pagina iniziale|cerca|accedi|registrati|il mio account|torna su|successivo"
        r"|precedente|strona główna|szukaj|wyszukaj|zaloguj(?: się)?|wyloguj|moje konto"
        r"|wróć|następny|poprzedni|főoldal|címlap|keresés|bejelentkezés|regisztráció|vissza"
        r"|következő|előző|úvod|hlavní strana|hledat|vyhledávání|přihlásit(?: se)?|registrace"
        r"|zpět|další|předchozí|главная|поиск|найти|войти|вход|регистрация|личный кабинет"
        r"|назад|далее|вперед|вперёд|предыдущая|следующая|наверх"
        # "more" / "show all" links
        r"|mehr|mehr anzeigen|alle anzeigen|alle artikel|voir plus|voir tout|ver más|ver todo"
        r"|ver mais|vedi tutto|więcej|zobacz wszystkie|tovább|továbbiak|více|zobrazit vše|ещё"
        r"|еще|показать ещё|показать еще|все новости)$",
        r"^(?:seite \d+ (?:von|aus) \d+|page \d+ sur \d+|página \d+ de \d+|pagina \d+ di \d+"
        r"|strona \d+ z \d+|strana \d+ z \d+|страница \d+ из \d+)$",
    ),
    "recent_stories": (
        r"^(?:meistgelesen|meistgelesene artikel|am meisten gelesen|neueste artikel"
        r"|aktuelle nachrichten"
        r"|top-themen|top-artikel|les plus lus|les plus populaires|à la une"
        r"|dernières (?:nouvelles|actualités)"
        r"|lo más (?:leído|visto)|más leídas?|últimas noticias|mais lidas|mais lidos"
        r"|últimas notícias"
        r"|i più letti|più letti|ultime notizie|najczęściej czytane|najnowsze|najpopularniejsze"
        r"|legolvasottabb|legfrissebb|friss hírek|nejčtenější|nejnovější|nejnovější zprávy"
        r"|самое (?:читаемое|популярное)|популярное|последние новости|новости дня"
        r"|mehr aus (?:dem |der |den )?[^\s.!?,:;]+(?: [^\s.!?,:;]+){0,2}"
        r"|weitere (?:nachrichten|meldungen)"
        r"|neueste nachrichten|top-nachrichten|beliebte artikel|plus d'actualités"
        r"|autres actualités|más noticias|mais notícias|altre notizie|więcej wiadomości"
        r"|další zprávy|další články|további hírek|другие новости|главное|главные новости)\s*:?$",
    ),
    "related": (
        r"^(?:lesen sie (?:auch|mehr)|auch interessant|das könnte sie (?:auch )?interessieren"
        r"|mehr zum thema|mehr dazu|weitere artikel|verwandte artikel|zum thema|weiterlesen"
        r"|à lire (?:aussi|également)|lire aussi|voir aussi|sur le même (?:sujet|thème)"
        r"|articles similaires|lire la suite|en savoir plus|lee (?:también|más)|lea (?:también|más)"
        r"|(?:también )?te puede interesar|noticias relacionadas|artículos relacionados|leer más"
        r"|más información|leia (?:também|mais)|veja também|saiba mais|notícias relacionadas"
        r"|leggi (?:anche|di più)|(?:ti )?potrebbe interessar(?:ti|e)|articoli correlati"
        r"|per saperne di più"
        r"|czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)|polecamy"
        r"|powiązane artykuły|ez is érdekelheti|olvassa el (?:ezt )?is|kapcsolódó cikkek"
        r"|tovább olvasom|ajánljuk|čtěte (?:také|též|více)|přečtěte si (?:také|též)"
        r"|související články|mohlo by vás zajímat|читайте (?:также|тоже)|читать (?:также|далее)"
        r"|смотрите также|по теме|похожие статьи|новости по теме"
        r"|ähnliche (?:artikel|beiträge|themen)|verwandte themen|passend zum thema"
        r"|weitere beiträge zum thema|articles liés|à voir aussi|dans la même rubrique"
        r"|artigos relacionados|matérias relacionadas|relacionad[oa]s|correlati|powiązane"
        r"|kapcsolódó|související|похожие(?: новости| материалы)?"
        # "Recommended" (as the English group has it)
        r"|empfehlungen|unsere empfehlungen|nos recommandations|te recomendamos"
        r"|recomendados para (?:ti|usted|você)|consigliati per te|polecane|ajánlott cikkek"
        r"|doporučujeme|рекомендуем"
        # A tag list's heading ("Tags").
        r"|schlagwörter|schlagworte|stichwörter|stichworte|themen|étiquettes|mots-clés|etiquetas"
        r"|tagi|címkék|štítky|теги|метки)\s*:?$",
        r"^(?:lesen sie (?:auch|mehr)|auch interessant|mehr zum thema|à lire (?:aussi|également)"
        r"|lire aussi|voir aussi|lee (?:también|más)|lea (?:también|más)|leia (?:também|mais)"
        r"|veja também|leggi anche|czytaj (?:też|także|również|więcej)|zobacz (?:też|także)"
        r"|ez is érdekelheti|čtěte (?:také|též)|přečtěte si (?:také|též)|читайте (?:также|тоже)"
        r"|смотрите также)\s*[:|»›>-].{1,120}$",
        # A tag line ("Mehr: Tag A Tag B", "Themen: Politik, Wirtschaft").
        r"^(?:mehr|themen|schlagworte|schlagwörter|stichworte|stichwörter|mots-clés|thèmes|temas"
        r"|etiquetas|argomenti|tematy|tagi|címkék|témák|témata|štítky|теги|темы|метки)\s*:\s*\S.{0,200}$",
        # A link to another article ("read more", as the English group has it).
        r"^(?:zum artikel|jetzt lesen|lire l'article|leer (?:el )?artículo|leia a matéria"
        r"|leggi l'articolo|czytaj dalej|tovább a cikkhez|číst dál|читать дальше)\s*[»›>]?$",
    ),
    "share": (
        r"^(?:teilen|artikel teilen|beitrag teilen|auf (?:facebook|twitter|whatsapp|x) teilen"
        r"|per e-mail (?:teilen|versenden)|(?:artikel |per mail )?versenden|(?:artikel )?merken"
        r"|drucken|partager(?: cet article| sur \w+)?|imprimer"
        r"|compartir(?: en \w+| esta noticia)?|imprimir|compartilhar(?: no \w+)?|partilhar"
        r"|condividi(?: su \w+)?|stampa|udostępnij(?: na \w+)?|drukuj|megosztás|megosztom"
        r"|nyomtatás|sdílet(?: na \w+)?|tisk|vytisknout|поделиться(?: в \w+)?|распечатать"
        r"|печать)\s*:?$",
    ),
    "subscribe": (
        r"^(?:jetzt )?(?:abonnieren|abonnez-vous|s'abonner|suscr[íi]bete|suscribirse|assine(?: já)?"
        r"|assinar|abbonati|iscriviti|zaprenumeruj|subskrybuj|feliratkozás|iratkozzon fel"
        r"|předplaťte si|přihlaste se k odběru|подпишитесь|подписаться)\b.{0,80}$",
        r"^(?:folgen sie uns|suivez-nous|síguenos|siga-nos|seguici|obserwuj nas|kövess minket"
        r"|sledujte nás|подписывайтесь на нас|мы в соцсетях)\b.{0,60}$",
    ),
    "comments": (
        r"^(?:\d+\s*)?(?:kommentare?|leserkommentare|kommentieren|diskussion|commentaires?"
        r"|réagir|réactions|comentarios?|comentários?|commenti|commento|komentarze?"
        r"|skomentuj|hozzászólások?|kommentek?|szólj hozzá|komentáře|komentář|diskuse|diskuze"
        r"|комментарии|комментарий|комментариев|обсуждение)\s*(?:\(\d+\))?:?$",
        r"^(?:kommentar (?:schreiben|verfassen)|schreiben sie einen kommentar|diskutieren sie mit"
        r"|(?:laisser|ajouter|écrire) un commentaire|(?:deja|dejar|añadir|escribe) (?:un"
        r"|tu) comentario"
        r"|(?:deixe|deixar|adicionar) (?:um|seu|o seu) comentário|(?:lascia|scrivi"
        r"|aggiungi) un commento"
        r"|(?:dodaj|napisz) komentarz|(?:írjon|írj) hozzászólást|(?:přidat|napsat) komentář"
        r"|vstoupit do diskuse|(?:оставить|добавить|написать) комментарий)\b.{0,80}$",
        r"^(?:die kommentarfunktion|kommentare sind geschlossen|les commentaires sont fermés"
        r"|los comentarios están cerrados|os comentários estão fechados|i commenti sono chiusi"
        r"|komentarze są zamknięte|комментарии закрыты)\b.{0,80}$",
        r"\b(?:kommentarrichtlinien|netiquette|charte de (?:modération|commentaires?)"
        r"|normas de (?:participación|comentarios)|política de comentários|regole (?:dei"
        r"|sui) commenti"
        r"|regulamin (?:komentarzy|forum)|kommentelési szabályzat|pravidla diskuse"
        r"|правила комментирования)\b",
    ),
    "advertising": (
        r"^[-–—\s]*(?:anzeige|werbung|gesponsert|sponsored|bezahlte partnerschaft|publicité|pub"
        r"|contenu sponsorisé|publicidad|anuncio|contenido patrocinado|publicidade|patrocinado"
        r"|pubblicità|contenuto sponsorizzato|reklama|artykuł sponsorowany|hirdetés"
        r"|szponzorált tartalom|sponzorovaný obsah|реклама|на правах рекламы"
        r"|партн[её]рский материал|новости партн[её]ров)[-–—\s]*:?$",
        r"\b(?:affiliate[- ]links?|provisionslinks?|partnerlinks?|liens? d'affiliation"
        r"|enlaces? de afiliados|links? de afiliados|link di affiliazione|linki afiliacyjne"
        r"|партн[её]рские ссылки)\b",
    ),
    "footer": (
        r"\b(?:alle rechte vorbehalten|tous droits réservés|todos los derechos reservados"
        r"|todos os direitos reservados|tutti i diritti riservati|wszelkie prawa zastrzeżone"
        r"|minden jog fenntartva|všechna práva vyhrazena|все права защищены)\b",
        r"^(?:datenschutz(?:erklärung|hinweise|einstellungen)?|nutzungsbedingungen|agb|kontakt"
        r"|cookie-(?:einstellungen|richtlinie)|paramètres des cookies|configuración de cookies"
        r"|preferenze cookie|ustawienia (?:plików )?cookies"
        r"|über uns|mediadaten|barrierefreiheit|mentions légales|politique de confidentialité"
        r"|gestion des cookies|nous contacter|qui sommes-nous\s*\??|aviso legal"
        r"|política de (?:privacidad|cookies)|contacto|contáctenos|quiénes somos"
        r"|política de privacidade|termos de uso|fale conosco|quem somos|note legali|chi siamo"
        r"|contatti|informativa (?:sulla )?privacy|polityka (?:prywatności|cookies)|regulamin"
        r"|o nas|impresszum|adatvédelem|adatvédelmi (?:nyilatkozat|tájékoztató)|kapcsolat"
        r"|ochrana (?:osobních )?údajů|kontakty|o nás|политика конфиденциальности"
        r"|пользовательское соглашение|контакты|о нас|о проекте)\s*:?$",
        r"\b(?:verwendet|verwenden|nutzt|nutzen|utilise|utilisons|utiliza|utilizamos|usa|usamos"
        r"|utilizza|utilizziamo|używa|używamy|használ|sütiket|používá|používáme|использует"
        r"|используем)\b.{0,40}\b(?:cookies?|sütik?|файлы cookie)\b",
    ),
    "metadata": (
        r"^(?:von|par|por|di|przez|autor|autorka|autoři|szerző|автор|авторы)\s*:?\s+"
        r"[\w.'’-]+(?:\s+[\w.'’-]+){0,3}$",
        r"^(?:veröffentlicht|aktualisiert|erstellt|stand|publié|mis à jour|publicado|actualizado"
        r"|atualizado|pubblicato|aggiornato|opublikowano|aktualizacja|zaktualizowano|publikálva"
        r"|frissítve|publikováno|aktualizováno|опубликовано|обновлено)"
        r"(?:\s+(?:am|le|el|em|il|в|dne))?\s*:?\s*\d.{0,50}$",
    ),
    "boilerplate": (
        r"^(?:über (?:den|die) autor(?:in)?|zur person|à propos de l'auteur|sobre (?:el|la"
        r"|o|a) autor(?:a)?"
        r"|l'autore|o autorze|o autorce|a szerzőről|o autorovi|o autorce|об авторе)\s*:?$",
        r"^(?:foto|bild|photo|fotó|фото)\s*:.{0,80}$",
        # A media player's or a gallery's controls ("play video", "listen to this article",
        # "view gallery" in the English group).
        r"^(?:bildergalerie|zur bildergalerie|fotostrecke|video abspielen|video ansehen"
        r"|artikel (?:vorlesen(?: lassen)?|anhören)|vorlesen|anhören|audio anhören"
        r"|écouter(?: cet article)?|voir la vidéo|galerie photos|diaporama"
        r"|escuchar(?: (?:la )?noticia| (?:el )?artículo)?|ver v[íi]deo|galería(?: de fotos)?"
        r"|ouvir(?: (?:a )?notícia)?|galeria de fotos|ascolta(?: l'articolo)?|guarda il video"
        r"|fotogallery|galleria fotografica|posłuchaj|odsłuchaj|zobacz wideo|galeria zdjęć"
        r"|meghallgatom|galéria|poslechnout|přehrát video|fotogalerie|слушать|смотреть видео"
        r"|фотогалерея)\s*:?$",
        # "Report an error" (a site feature).
        r"^(?:fehler (?:melden|gefunden\??)|signaler une erreur|reportar (?:un )?error"
        r"|segnala(?: un)? errore|zgłoś błąd|nahlásit chybu|сообщить об ошибке)\s*:?$",
    ),
}
"""Non-English chrome, by reason (see the comment above): the same removal vocabulary."""

PATTERNS = {
    reason: group + _group(*LOCALISED[reason]) if reason in LOCALISED else group
    for reason, group in PATTERNS.items()
}

_ENGLISH = {
    reason: len(group) - len(LOCALISED.get(reason, ())) for reason, group in PATTERNS.items()
}

SECTION_HEADERS: dict[str, tuple[re.Pattern[str], ...]] = {
    "recent_stories": PATTERNS["recent_stories"][:2]
    + PATTERNS["recent_stories"][_ENGLISH["recent_stories"] :],
    "related": PATTERNS["related"][:1]
    + PATTERNS["related"][2:3]
    + PATTERNS["related"][_ENGLISH["related"] : _ENGLISH["related"] + 1],
    "comments": PATTERNS["comments"][:3]
    + PATTERNS["comments"][_ENGLISH["comments"] : _ENGLISH["comments"] + 1],
}
"""Headings that open a block of non-body lines of the same reason."""

_unknown = set(PATTERNS) - set(REMOVAL_REASONS)
if _unknown:  # the vocabulary is fixed by schemas; a typo here must fail at import
    raise ValueError(f"pattern reasons not in REMOVAL_REASONS: {sorted(_unknown)}")


HEADER_MAX_WORDS = 6
"""A section heading is short; a longer line matching a heading pattern is a teaser or prose."""


PREFILTERS: dict[tuple[str, int], re.Pattern[str]] = {
    # A breadcrumb is made of its segment characters and separators only, two separators at
    # least; the pattern itself backtracks exponentially on long "a | b | c (d) | e" footers.
    ("navigation", 1): re.compile(r"^[\w&.'’ \s-]*[>»›/|][\w&.'’ \s-]*[>»›/|][\w&.'’ \s>»›/|-]*$"),
    ("navigation", 3): re.compile(r" [|•·] "),
}
"""(reason, pattern index) -> a cheap pattern that must be found in a (lower-cased) line for
that anchored pattern to match: a necessary condition, so skipping the pattern when it is absent
changes no verdict. On dev the breadcrumb pattern cost 3/4 of all pattern time (one 165-char
footer line alone took 60 ms); prefiltered, pattern matching is ~4x faster."""


def _parts(
    groups: dict[str, tuple[re.Pattern[str], ...]],
) -> tuple[list[tuple[str, str]], list[str], dict[str, str], dict[str, re.Pattern[str]]]:
    """Every pattern as a named alternative: anchored (name, alternative) pairs, floating
    alternatives, group name -> reason, and group name -> prefilter.

    A trailing 'h' in a group name marks a section-heading pattern.
    """
    anchored: list[tuple[str, str]] = []
    floating: list[str] = []
    names: dict[str, str] = {}
    prefilters: dict[str, re.Pattern[str]] = {}
    headers = {p.pattern for pats in SECTION_HEADERS.values() for p in pats}
    for reason, patterns in groups.items():
        for i, pattern in enumerate(patterns):
            name = f"{reason}__{i}{'h' if pattern.pattern in headers else ''}"
            names[name] = reason
            alternative = f"(?P<{name}>{pattern.pattern})"
            if pattern.pattern.startswith("^"):
                anchored.append((name, alternative))
                if (reason, i) in PREFILTERS:
                    prefilters[name] = PREFILTERS[(reason, i)]
            else:
                floating.append(alternative)
    return anchored, floating, names, prefilters


_ANCHORED_PARTS, _FLOATING_PARTS, _GROUP_REASON, _PREFILTER_BY_NAME = _parts(PATTERNS)
_PREFILTERS_IN_ORDER = tuple(_PREFILTER_BY_NAME.values())


@cache
def _anchored(skipped: tuple[bool, ...], first: str | None = None) -> re.Pattern[str]:
    """One alternation of the anchored patterns, less the prefiltered ones flagged in `skipped`
    (in `_PREFILTER_BY_NAME` order) and, for lines starting with `first`, narrowed to what
    can match them (`_narrowed`). Order is kept, so when a left-out pattern cannot match, the
    first pattern to match is the one the full alternation finds. One `match` per line
    instead of one per pattern: the cleaner must do thousands of lines per second.
    Case-sensitive on lower-cased text: twice as fast as re.IGNORECASE on the same lines."""
    skip = {name for name, out in zip(_PREFILTER_BY_NAME, skipped, strict=True) if out}
    parts = []
    for name, alternative in _ANCHORED_PARTS:
        raw = alternative[len(f"(?P<{name}>") : -1]
        narrowed = raw if first is None else _narrowed(raw, first)
        if name not in skip and narrowed is not None:
            parts.append(f"(?P<{name}>{narrowed})")
    return _compile("|".join(parts) if parts else "(?!)")


@cache
def _compile(alternation: str) -> re.Pattern[str]:
    """Compile once per distinct alternation: many first characters (digits, CJK,
    punctuation) narrow to the same one, and each compile costs milliseconds."""
    return re.compile(alternation)


_CATEGORIES: dict[object, Callable[[str], bool]] = {
    _sre.CATEGORY_DIGIT: str.isdecimal,
    _sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    _sre.CATEGORY_SPACE: str.isspace,
    _sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    _sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    _sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}
"""`re`'s character categories (str patterns, Unicode) as predicates."""

_Starts = Callable[[str], bool]


def _equals(x: str) -> _Starts:
    return lambda c: c == x


def _any_of(tests: list[_Starts]) -> _Starts:
    return lambda c: any(t(c) for t in tests)


def _in_range(lo: int, hi: int) -> _Starts:
    return lambda c: lo <= ord(c) <= hi


def _class_test(items: list[tuple[Any, Any]]) -> _Starts | None:
    """A predicate for one `[...]` class from its parsed items; None if not understood."""
    tests: list[_Starts] = []
    negate = False
    for op, av in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            tests.append(_equals(chr(av)))
        elif op is _sre.RANGE:
            tests.append(_in_range(*av))
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            tests.append(_CATEGORIES[av])
        else:
            return None
    return lambda c: any(t(c) for t in tests) != negate


def _first_test(items: Iterable[tuple[Any, Any]]) -> tuple[_Starts | None, bool]:
    """(predicate on a first character, whether the sequence can match empty) of a parsed
    regex sequence; the predicate is None when any character may start a match.

    A pattern whose predicate rejects a line's first character cannot match that line.
    Conservative: any construct not understood here means "any character".
    """
    tests: list[_Starts] = []
    for op, av in items:
        sub: tuple[_Starts | None, bool]
        if op is _sre.AT:
            continue  # ^ and $ are zero-width
        if op is _sre.LITERAL:
            sub = _equals(chr(av)), False
        elif op is _sre.IN:
            sub = _class_test(av), False
        elif op is _sre.BRANCH:
            subs = [_first_test(alt) for alt in av[1]]
            branch = [t for t, _ in subs if t is not None]
            if len(branch) < len(subs):
                return None, False
            sub = _any_of(branch), any(e for _, e in subs)
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:
            sub = _first_test(av[3])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _high, inner = av
            test, empty = _first_test(inner)
            sub = test, empty or low == 0
        else:
            return None, False
        test, empty = sub
        if test is None:
            return None, False
        tests.append(test)
        if not empty:
            return (lambda c: any(t(c) for t in tests)), False
    return None, True  # can match empty: any first character


def _structure(regex: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) of the characters of `regex` from `start`
    that are syntax: escaped characters and [character classes] are skipped."""
    depth, i, in_class = 0, start, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if regex[i + 1 : i + 2] == "]":
                i += 1  # "[]...]": a leading "]" is a literal
        else:
            yield i, c, depth
            depth += (c == "(") - (c == ")")
        i += 1


def _group_end(pattern: str, start: int) -> int:
    """Index of the ")" closing the group opened at `pattern[start]`."""
    for i, c, depth in _structure(pattern, start):
        if c == ")" and depth == 1:
            return i
    raise ValueError(f"unbalanced group in {pattern!r}")


def _alternatives(body: str) -> list[str]:
    """The top-level `|`-separated alternatives of a regex body."""
    cuts = [i for i, c, depth in _structure(body) if c == "|" and depth == 0]
    bounds = [-1, *cuts, len(body)]
    return [body[lo + 1 : hi] for lo, hi in pairwise(bounds)]


def _can_begin(regex: str, first: str) -> bool:
    """Whether `regex` may match a string starting with `first` (True when unsure)."""
    test, empty = _first_of(regex)
    return empty or test is None or test(first)


@cache
def _first_of(regex: str) -> tuple[_Starts | None, bool]:
    """`_first_test` of a regex, parsed once."""
    return _first_test(_parser.parse(regex))


def _narrowed(pattern: str, first: str) -> str | None:
    """`pattern` for lines starting with `first`: None when it cannot match them, else with
    the alternatives of a leading `^(?:...)` group that cannot start them left out.

    Most anchored patterns are a long list of words ("^(?:home|menu|search|...)$") which
    `re` tries one by one; narrowed to the words with the right first letter, anchored
    matching is ~2x faster on dev. Only a group matched exactly once, first, is narrowed (not
    one with a quantifier); leaving out alternatives that cannot match changes no verdict
    (`test_first_character_dispatch_changes_no_verdict`).
    """
    if not _can_begin(pattern, first):
        return None
    if not pattern.startswith("^(?:"):
        return pattern
    end = _group_end(pattern, 1)
    if pattern[end + 1 : end + 2] in ("?", "*", "+", "{"):
        return pattern  # optional or repeated: later rounds may start with other letters
    kept = [alt for alt in _alternatives(pattern[4:end]) if _can_begin(alt, first)]
    return "^(?:" + "|".join(kept) + pattern[end:] if kept else None


_PLAIN: dict[str, re.Pattern[str]] = {}
"""First character -> the alternation for lines with no prefilter separator (a plain dict
lookup per line: the common case)."""


@cache
def _anchored_for(first: str, skipped: tuple[bool, ...]) -> re.Pattern[str]:
    """The alternation for lines starting with `first`."""
    pattern = _anchored(skipped, first)
    if skipped == _ALL_IMPOSSIBLE:
        _PLAIN[first] = pattern
    return pattern


PREFILTER_CHARS = frozenset(">»›/|•·")
"""Every prefilter in `PREFILTERS` needs one of these separators, so a line with none of them
(most lines) skips the prefilter searches."""

_SEPARATOR = re.compile("[" + re.escape("".join(sorted(PREFILTER_CHARS))) + "]")
"""Finds a `PREFILTER_CHARS` character: one C-level scan, ~3x cheaper than a set test that
hashes every character."""

_ALL_IMPOSSIBLE = (True,) * len(_PREFILTERS_IN_ORDER)


def _impossible(text: str) -> tuple[bool, ...]:
    """For each prefiltered anchored pattern, whether `text` lacks what it needs to match."""
    if _SEPARATOR.search(text) is None:
        return _ALL_IMPOSSIBLE
    return tuple([needed.search(text) is None for needed in _PREFILTERS_IN_ORDER])


_ANCHORED = _anchored((False,) * len(_PREFILTER_BY_NAME))
_FLOATING = re.compile("|".join(_FLOATING_PARTS))


def normalise_line(line: str) -> str:
    """Collapse whitespace and strip, so patterns need not care about layout.

    A line already so comes back as it is: printable text holds no whitespace but " ", so
    with no double, leading or trailing space there is nothing to do. Most dump lines are
    such, and the test costs a third of the split and join.
    """
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


FLOATING_TRIGGERS = frozenset(
    [
        "subscribe",
        "subscription",
        "subscribers",
        "subscriber",
        "newsletter",
        "sign",
        "support",
        "become",
        "donate",
        "donation",
        "unlimited",
        "already",
        "free",
        "create",
        "get",
        "join",
        "register",
        "fund",
        "comment",
        "commenting",
        "copyright",
        "rights",
        "privacy",
        "terms",
        "cookie",
        "cookies",
        "use",
        "uses",
        "browser",
        "enable",
        "javascript",
        "ad",
        "adblocker",
        "blocker",
        "c",
        "follow",
        # LOCALISED floating phrases
        "rechte",
        "droits",
        "derechos",
        "direitos",
        "diritti",
        "prawa",
        "jog",
        "práva",
        "права",
        "verwendet",
        "verwenden",
        "nutzt",
        "nutzen",
        "utilise",
        "utilisons",
        "utiliza",
        "utilizamos",
        "usa",
        "usamos",
        "utilizza",
        "utilizziamo",
        "używa",
        "używamy",
        "használ",
        "sütiket",
        "používá",
        "používáme",
        "использует",
        "используем",
        "kommentarrichtlinien",
        "netiquette",
        "charte",
        "normas",
        "política",
        "regole",
        "regulamin",
        "kommentelési",
        "pravidla",
        "правила",
        "affiliate",
        "provisionslinks",
        "provisionslink",
        "partnerlinks",
        "partnerlink",
        "affiliation",
        "afiliados",
        "affiliazione",
        "afiliacyjne",
        "партнерские",
        "партнёрские",
    ]
)
"""Every floating (unanchored) pattern needs one of these words, so other lines skip the search.
`test_patterns.py` checks each floating pattern's examples against it."""


def match_lowered(text: str, triggered: bool | None = None) -> tuple[str | None, bool]:
    """(reason, is_section_heading) of a line already normalised and lower-cased; (None, False)
    if no pattern matches. `triggered`: whether the line holds a `FLOATING_TRIGGERS` word, when
    the caller knows (`cleaners.features.page_stats` finds it for a page's lines at once);
    looked for here otherwise. Memoised per line by the caller
    (`cleaners.features.line_verdict`), which is the hot path."""
    if _SEPARATOR.search(text) is None:  # most lines: no prefiltered pattern can match
        anchored = _PLAIN.get(text[:1]) or _anchored_for(text[:1], _ALL_IMPOSSIBLE)
    else:
        anchored = _anchored_for(text[:1], _impossible(text))
    m = anchored.match(text)
    if m is None and "©" in text:
        m = _FLOATING.search(text)
    elif m is None:
        if triggered is None:
            triggered = not FLOATING_TRIGGERS.isdisjoint(WORD.findall(text))
        if triggered:
            m = _FLOATING.search(text)
    if m is None or m.lastgroup is None:
        return None, False
    return _GROUP_REASON[m.lastgroup], m.lastgroup.endswith("h")


def match_reason(line: str) -> str | None:
    """Return the reason whose pattern matches the (normalised) line, else None.

    Line-anchored patterns win over floating ones; among each kind, the order of
    `PATTERNS` decides.
    """
    text = normalise_line(line)
    return match_lowered(text.lower())[0] if text else None
