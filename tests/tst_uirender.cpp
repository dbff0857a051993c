// Renders the player window as a person sees it and checks the pictures are not blank:
// Continue Watching with two entries and their thumbnails, the "Resumed at …" notice and the live
// "TV is at …" notice. Each picture is saved as a PNG for a person to look at: into
// $PLAYMARK_UI_SHOTS_DIR when set (CTest sets it to <build>/tests/ui-shots), else into a
// "ui-shots" folder of the current directory.
#include "adddevicedialog.h"
#include "continuewatchingview.h"
#include "devicespage.h"
#include "noticebar.h"
#include "pairingdialog.h"
#include "playercontrols.h"
#include "playerwindow.h"
#include "settingsdialog.h"

#include <QDir>
#include <QLinearGradient>
#include <QListWidget>
#include <QPainter>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kNow = 1700000000000;

// A stand-in for a frame of the video: a diagonal gradient with a caption.
QImage thumbnail(const QColor &from, const QColor &to, const QString &caption)
{
    QImage image(320, 180, QImage::Format_RGB32);
    QPainter painter(&image);
    QLinearGradient gradient(0, 0, image.width(), image.height());
    gradient.setColorAt(0, from);
    gradient.setColorAt(1, to);
    painter.fillRect(image.rect(), gradient);
    painter.setPen(Qt::white);
    QFont font = painter.font();
    font.setPixelSize(28);
    font.setBold(true);
    painter.setFont(font);
    painter.drawText(image.rect().adjusted(12, 12, -12, -12), Qt::AlignLeft | Qt::AlignBottom,
                     caption);
    return image;
}

QList<ContinueWatchingView::Entry> twoEntries()
{
    ContinueWatchingView::Entry first;
    first.contentId = u"pm1-0000000000000000000000000000000a"_s;
    first.title = u"Episode 1.mp4"_s;
    first.deviceName = u"TV"_s;
    first.positionMs = 42000;
    first.durationMs = 25 * 60000;
    first.observedAtMs = kNow - 3 * 60000;
    first.thumbnail = thumbnail(QColor(0x1e, 0x3c, 0x72), QColor(0xe0, 0x6c, 0x3c), u"EP 1"_s);

    ContinueWatchingView::Entry second;
    second.contentId = u"pm1-0000000000000000000000000000000b"_s;
    second.title = u"A Long Film With A Long Name.mkv"_s;
    second.deviceName = u"Phone"_s;
    second.positionMs = 3723000;
    second.durationMs = 2 * 3600000;
    second.observedAtMs = kNow - 26 * 3600000LL;
    second.thumbnail = thumbnail(QColor(0x0f, 0x5e, 0x3a), QColor(0xd8, 0xd0, 0x40), u"FILM"_s);
    return {first, second};
}

// Distinct colours over a grid of samples every `step` pixels of `rect`.
int distinctColours(const QImage &image, const QRect &rect, int step)
{
    QSet<QRgb> colours;
    const QRect area = rect.intersected(image.rect());
    for (int y = area.top(); y <= area.bottom(); y += step) {
        for (int x = area.left(); x <= area.right(); x += step)
            colours.insert(image.pixel(x, y));
    }
    return int(colours.size());
}

// Every pixel of `rect`, since text in a one-line bar is thin.
int distinctColoursAll(const QImage &image, const QRect &rect)
{
    return distinctColours(image, rect, 1);
}

QString shotsDir()
{
    const QString dir =
        qEnvironmentVariable("PLAYMARK_UI_SHOTS_DIR", QDir::current().filePath(u"ui-shots"_s));
    QDir().mkpath(dir);
    return dir;
}

} // namespace

class tst_UiRender : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void render_data();
    void render();
    void devicesDialogs();

private:
    QImage shoot(PlayerWindow &window, const QString &name);
};

void tst_UiRender::initTestCase()
{
    // Offscreen renders widgets exactly as on a screen (same raster painter, same style); only
    // native child windows (the video surface) stay empty, which these pictures do not need.
    // So CTest keeps QT_QPA_PLATFORM=offscreen even where xvfb-run exists; run by hand with
    // QT_QPA_PLATFORM=xcb under xvfb-run to compare.
    qInfo().noquote() << "platform:" << QGuiApplication::platformName()
                      << "pictures in:" << shotsDir();
}

void tst_UiRender::render_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("noticeText");
    QTest::addColumn<QString>("noticeAction");

    QTest::newRow("continue-watching") << u"continue-watching"_s << QString() << QString();
    QTest::newRow("resumed") << u"resumed"_s << u"Resumed at 0:42 · from TV · 3 min ago"_s
                             << u"Start over"_s;
    QTest::newRow("live-notice") << u"live-notice"_s << u"TV is at 0:42"_s
                                 << u"Continue from there"_s;
}

QImage tst_UiRender::shoot(PlayerWindow &window, const QString &name)
{
    const QImage image = window.grab().toImage();
    const QString path = QDir(shotsDir()).filePath(name + u".png"_s);
    if (!image.save(path))
        qWarning().noquote() << "could not save" << path;
    return image;
}

void tst_UiRender::render()
{
    QFETCH(QString, name);
    QFETCH(QString, noticeText);
    QFETCH(QString, noticeAction);

    PlayerWindow window;
    window.resize(960, 600);
    window.setDeviceName(u"Laptop"_s);
    window.setSyncStatus(u"Synced"_s, u"Server: http://127.0.0.1:8787"_s);
    window.home()->setEntries(twoEntries(), kNow, true);
    if (!noticeText.isEmpty()) {
        // A video is open: the page behind the notice is the (here empty) video surface, the
        // transport bar shows where it is.
        window.setMediaTitle(u"Episode 1.mp4"_s);
        window.setVideoVisible(true);
        window.controls()->setDuration(25 * 60000);
        window.controls()->setPosition(42000);
        window.controls()->setPlaying(true);
        window.notice()->showNotice(noticeText, noticeAction, 60000);
    }
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.size(), QSize(960, 600));

    const QImage image = shoot(window, name);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(960, 600));
    const QRect all = image.rect();

    if (noticeText.isEmpty()) {
        QVERIFY(window.isHomeShown());
        QCOMPARE(window.home()->entryCount(), 2);
        // Thumbnails, text and the progress bars: a picture, not a flat page.
        const int colours = distinctColours(image, all, 4);
        QVERIFY2(colours > 50, qPrintable(QString::number(colours)));
        // Each row's thumbnail area is drawn with many colours (the gradient).
        const qreal dpr = image.devicePixelRatio();
        QListWidget *list = window.home()->list();
        for (int row = 0; row < 2; ++row) {
            QRect rowRect = list->visualItemRect(list->item(row));
            rowRect.moveTopLeft(list->viewport()->mapTo(&window, rowRect.topLeft()));
            const QRect thumb(
                QPoint(int((rowRect.left() + 8) * dpr), int((rowRect.top() + 8) * dpr)),
                QSize(int(160 * dpr), int(90 * dpr)));
            const int thumbColours = distinctColours(image, thumb, 2);
            QVERIFY2(thumbColours > 50, qPrintable(u"row %1: %2"_s.arg(row).arg(thumbColours)));
        }
        return;
    }

    QVERIFY(window.notice()->isVisible());
    const int colours = distinctColours(image, all, 4);
    QVERIFY2(colours > 50, qPrintable(QString::number(colours)));
    // The notice bar has its text and its button, not one flat colour.
    const qreal dpr = image.devicePixelRatio();
    const QRect bar(window.notice()->mapTo(&window, QPoint(0, 0)) * dpr,
                    window.notice()->size() * dpr);
    QVERIFY(bar.height() > 10);
    const int barColours = distinctColoursAll(image, bar);
    QVERIFY2(barColours > 10, qPrintable(QString::number(barColours)));
    // The text half (left) alone is not flat either.
    const QRect textHalf(bar.topLeft(), QSize(bar.width() / 2, bar.height()));
    QVERIFY(distinctColoursAll(image, textHalf) > 5);
    // The bar's colour is its own, not the page's: its background is the dark blue of the style.
    QCOMPARE(image.pixelColor(bar.left() + 2, bar.top() + 2), QColor(0x1f, 0x3a, 0x52));
}

// Settings > Devices with three devices, Add a Device after an approval, Connect with a code
// showing its code, and the first-run form with a server and no token: pictures for a person,
// checked not to be flat.
void tst_UiRender::devicesDialogs()
{
    SettingsValues values;
    values.serverUrl = u"http://192.168.1.20:8787"_s;
    values.token = u"pm_token"_s;
    values.deviceName = u"Living-room TV"_s;
    SettingsDialog settings(SettingsDialog::Mode::Settings, values);
    settings.devicesPage()->setRows(
        {{u"d-1"_s, u"Living-room TV"_s, u"This device · Big Buck Bunny"_s, true},
         {u"d-2"_s, u"Phone"_s, u"last seen 5 min ago · Sintel"_s, false},
         {u"d-3"_s, u"Unnamed device (since 3 March)"_s, u"last seen 2 days ago"_s, false}});
    settings.showDevices();
    settings.resize(640, 460);
    settings.show();
    AddDeviceDialog add(&settings);
    add.showAnswer(u"Phone is connected"_s, true);
    add.show();
    PairingDialog pairing;
    pairing.showCode(u"123 456"_s,
                     u"On a connected player: Settings > Devices > Add a Device, or on the "
                     "server: playmark-server user approve NAME 123456"_s);
    pairing.setRemaining(u"Valid for 9:41"_s);
    pairing.show();
    values.token.clear();
    SettingsDialog firstRun(SettingsDialog::Mode::FirstRun, values);
    firstRun.show();
    for (QWidget *widget : std::initializer_list<QWidget *>{&settings, &add, &pairing, &firstRun})
        QVERIFY(QTest::qWaitForWindowExposed(widget));
    const QList<std::pair<QWidget *, QString>> shots{{&settings, u"settings-devices"_s},
                                                     {&add, u"add-a-device"_s},
                                                     {&pairing, u"connect-with-a-code"_s},
                                                     {&firstRun, u"first-run"_s}};
    for (const auto &[widget, name] : shots) {
        const QImage image = widget->grab().toImage();
        QVERIFY(image.save(QDir(shotsDir()).filePath(name + u".png"_s)));
        const int colours = distinctColoursAll(image, image.rect());
        QVERIFY2(colours > 10, qPrintable(u"%1: %2"_s.arg(name).arg(colours)));
    }
}

QTEST_MAIN(tst_UiRender)
#include "tst_uirender.moc"
