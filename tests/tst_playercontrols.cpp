// The transport bar (PlayerControls), used with the mouse as a person would: its buttons ask for
// play/pause, ±10 s, mute and full screen; dragging the position slider asks for one seek when it
// is let go; the position it is told is ignored while the slider is held.
#include "playercontrols.h"

#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QTest>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace {

QToolButton *buttonWithTip(const PlayerControls &controls, const QString &toolTip)
{
    const QList<QToolButton *> buttons = controls.findChildren<QToolButton *>();
    for (QToolButton *button : buttons) {
        if (button->toolTip() == toolTip)
            return button;
    }
    return nullptr;
}

QString timeText(const PlayerControls &controls)
{
    const auto *label = controls.findChild<QLabel *>(u"timeLabel"_s);
    return label ? label->text() : QString();
}

// Where the slider's handle is drawn, as the style computes it.
QRect handleRect(const QSlider *slider)
{
    QStyleOptionSlider option;
    option.initFrom(slider);
    option.orientation = slider->orientation();
    option.minimum = slider->minimum();
    option.maximum = slider->maximum();
    option.sliderPosition = slider->sliderPosition();
    option.sliderValue = slider->value();
    option.singleStep = slider->singleStep();
    option.pageStep = slider->pageStep();
    option.tickPosition = slider->tickPosition();
    option.tickInterval = slider->tickInterval();
    option.upsideDown =
        slider->invertedAppearance() != (slider->layoutDirection() == Qt::RightToLeft);
    option.subControls = QStyle::SC_None;
    option.activeSubControls = QStyle::SC_None;
    return slider->style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle,
                                           slider);
}

} // namespace

class tst_PlayerControls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void buttonsEmitIntents_data();
    void buttonsEmitIntents();
    void dragSeekEmitsOnceOnRelease();
    void clickOnTheGrooveSeeksOnce();
    void positionIgnoredWhileSliderHeld();
    void timeLabel_data();
    void timeLabel();
    void volumeSliderAsksForVolume();
    void noAudioDisablesVolumeAndMute();
    void noMediaDisablesTransport();
};

// A shown bar wide enough for a usable slider, with 2:30 of media loaded.
struct ShownControls
{
    PlayerControls controls;

    bool show()
    {
        controls.resize(800, controls.sizeHint().height());
        controls.setDuration(150000);
        controls.setMediaLoaded(true);
        controls.setAudioAvailable(true);
        controls.show();
        return QTest::qWaitForWindowExposed(&controls);
    }
};

void tst_PlayerControls::buttonsEmitIntents_data()
{
    QTest::addColumn<QString>("toolTip");
    QTest::addColumn<QByteArray>("signal");
    QTest::addColumn<QVariantList>("arguments");

    QTest::newRow("play") << u"Play (Space)"_s << QByteArray(SIGNAL(playPauseClicked()))
                          << QVariantList();
    QTest::newRow("back") << u"Back 10 seconds (Left)"_s
                          << QByteArray(SIGNAL(seekByRequested(qint64)))
                          << QVariantList{qint64(-10000)};
    QTest::newRow("forward") << u"Forward 10 seconds (Right)"_s
                             << QByteArray(SIGNAL(seekByRequested(qint64)))
                             << QVariantList{qint64(10000)};
    QTest::newRow("mute") << u"Mute (M)"_s << QByteArray(SIGNAL(muteToggleRequested()))
                          << QVariantList();
    QTest::newRow("full screen") << u"Full screen (F)"_s
                                 << QByteArray(SIGNAL(fullScreenToggleRequested()))
                                 << QVariantList();
}

void tst_PlayerControls::buttonsEmitIntents()
{
    QFETCH(QString, toolTip);
    QFETCH(QByteArray, signal);
    QFETCH(QVariantList, arguments);

    ShownControls shown;
    QVERIFY(shown.show());
    QToolButton *button = buttonWithTip(shown.controls, toolTip);
    QVERIFY2(button, qPrintable(toolTip));
    QVERIFY(button->isEnabled());

    QSignalSpy spy(&shown.controls, signal.constData());
    QSignalSpy seeks(&shown.controls, &PlayerControls::seekRequested);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.constFirst(), arguments);
    QCOMPARE(seeks.count(), 0);
}

void tst_PlayerControls::dragSeekEmitsOnceOnRelease()
{
    ShownControls shown;
    QVERIFY(shown.show());
    shown.controls.setPosition(10000);
    QSlider *slider = shown.controls.seekSlider();
    QCOMPARE(slider->value(), 10000);

    QSignalSpy seeks(&shown.controls, &PlayerControls::seekRequested);
    QSignalSpy seeksBy(&shown.controls, &PlayerControls::seekByRequested);
    const QPoint start = handleRect(slider).center();
    QTest::mousePress(slider, Qt::LeftButton, {}, start);
    QVERIFY(shown.controls.isDraggingSlider());
    QPoint at = start;
    QString lastLabel = timeText(shown.controls);
    for (int step = 0; step < 6; ++step) {
        at += QPoint(40, 0);
        QTest::mouseMove(slider, at);
        // Only the label follows the handle while it moves.
        QVERIFY(timeText(shown.controls) != lastLabel);
        lastLabel = timeText(shown.controls);
    }
    QCOMPARE(seeks.count(), 0);
    const int dragged = slider->sliderPosition();
    QVERIFY2(dragged > 10000, qPrintable(QString::number(dragged)));

    QTest::mouseRelease(slider, Qt::LeftButton, {}, at);
    QVERIFY(!shown.controls.isDraggingSlider());
    QCOMPARE(seeks.count(), 1);
    QCOMPARE(seeks.constFirst().constFirst().toLongLong(), qint64(dragged));
    QCOMPARE(slider->value(), dragged);
    QCOMPARE(seeksBy.count(), 0);
}

void tst_PlayerControls::clickOnTheGrooveSeeksOnce()
{
    ShownControls shown;
    QVERIFY(shown.show());
    shown.controls.setPosition(0);
    QSlider *slider = shown.controls.seekSlider();
    const QRect handle = handleRect(slider);
    const QPoint onGroove(slider->width() * 3 / 4, handle.center().y());
    QVERIFY(!handle.contains(onGroove));

    QSignalSpy seeks(&shown.controls, &PlayerControls::seekRequested);
    QTest::mouseClick(slider, Qt::LeftButton, {}, onGroove);
    QCOMPARE(seeks.count(), 1);
    QVERIFY(seeks.constFirst().constFirst().toLongLong() > 0);
    QCOMPARE(seeks.constFirst().constFirst().toLongLong(), qint64(slider->value()));
}

void tst_PlayerControls::positionIgnoredWhileSliderHeld()
{
    ShownControls shown;
    QVERIFY(shown.show());
    shown.controls.setPosition(30000);
    QSlider *slider = shown.controls.seekSlider();
    const QPoint start = handleRect(slider).center();

    QSignalSpy seeks(&shown.controls, &PlayerControls::seekRequested);
    QTest::mousePress(slider, Qt::LeftButton, {}, start);
    QTest::mouseMove(slider, start + QPoint(60, 0));
    const int held = slider->sliderPosition();
    const QString label = timeText(shown.controls);

    // Playback goes on and reports positions; the handle stays under the person's finger.
    shown.controls.setPosition(31000);
    shown.controls.setPosition(32000);
    QCOMPARE(slider->sliderPosition(), held);
    QCOMPARE(timeText(shown.controls), label);

    QTest::mouseRelease(slider, Qt::LeftButton, {}, start + QPoint(60, 0));
    QCOMPARE(seeks.count(), 1);
    QCOMPARE(seeks.constFirst().constFirst().toLongLong(), qint64(held));

    // Once let go, the reported position is shown again.
    shown.controls.setPosition(33000);
    QCOMPARE(slider->value(), 33000);
    QCOMPARE(timeText(shown.controls), u"0:33 / 2:30"_s);
    QCOMPARE(seeks.count(), 1);
}

void tst_PlayerControls::timeLabel_data()
{
    QTest::addColumn<qint64>("duration");
    QTest::addColumn<qint64>("position");
    QTest::addColumn<QString>("expected");

    QTest::newRow("start") << qint64(150000) << qint64(0) << u"0:00 / 2:30"_s;
    QTest::newRow("middle") << qint64(150000) << qint64(65000) << u"1:05 / 2:30"_s;
    QTest::newRow("end") << qint64(150000) << qint64(150000) << u"2:30 / 2:30"_s;
    QTest::newRow("long") << qint64(2 * 3600000) << qint64(3723000) << u"1:02:03 / 2:00:00"_s;
    QTest::newRow("unknown duration") << qint64(0) << qint64(0) << u"0:00 / 0:00"_s;
}

void tst_PlayerControls::timeLabel()
{
    QFETCH(qint64, duration);
    QFETCH(qint64, position);
    QFETCH(QString, expected);

    PlayerControls controls;
    controls.setDuration(duration);
    controls.setPosition(position);
    QCOMPARE(timeText(controls), expected);
}

void tst_PlayerControls::volumeSliderAsksForVolume()
{
    ShownControls shown;
    QVERIFY(shown.show());
    auto *volume = shown.controls.findChild<QSlider *>(u"volumeSlider"_s);
    QVERIFY(volume);

    QSignalSpy spy(&shown.controls, &PlayerControls::volumeChangeRequested);
    // Being told the volume is not a request.
    shown.controls.setVolume(40);
    QCOMPARE(volume->value(), 40);
    QCOMPARE(spy.count(), 0);

    // The person clicks the right end of the slider: volume goes up.
    QTest::mouseClick(volume, Qt::LeftButton, {},
                      QPoint(volume->width() - 2, volume->height() / 2));
    QVERIFY(!spy.isEmpty());
    QVERIFY(spy.constLast().constFirst().toInt() > 40);
}

void tst_PlayerControls::noAudioDisablesVolumeAndMute()
{
    ShownControls shown;
    QVERIFY(shown.show());
    QToolButton *mute = buttonWithTip(shown.controls, u"Mute (M)"_s);
    auto *volume = shown.controls.findChild<QSlider *>(u"volumeSlider"_s);
    QVERIFY(mute);
    QVERIFY(volume);
    QVERIFY(mute->isEnabled());
    QVERIFY(volume->isEnabled());

    shown.controls.setAudioAvailable(false);
    QVERIFY(!mute->isEnabled());
    QVERIFY(!volume->isEnabled());
    QVERIFY(mute->toolTip().contains(u"No audio"_s));

    QSignalSpy mutes(&shown.controls, &PlayerControls::muteToggleRequested);
    QSignalSpy volumes(&shown.controls, &PlayerControls::volumeChangeRequested);
    QTest::mouseClick(mute, Qt::LeftButton);
    QTest::mouseClick(volume, Qt::LeftButton, {},
                      QPoint(volume->width() - 2, volume->height() / 2));
    QCOMPARE(mutes.count(), 0);
    QCOMPARE(volumes.count(), 0);
    // The transport is not affected.
    QVERIFY(shown.controls.seekSlider()->isEnabled());
}

void tst_PlayerControls::noMediaDisablesTransport()
{
    ShownControls shown;
    QVERIFY(shown.show());
    const QList<QWidget *> transport = {
        buttonWithTip(shown.controls, u"Play (Space)"_s),
        buttonWithTip(shown.controls, u"Back 10 seconds (Left)"_s),
        buttonWithTip(shown.controls, u"Forward 10 seconds (Right)"_s),
        shown.controls.seekSlider(),
    };
    for (QWidget *widget : transport) {
        QVERIFY(widget);
        QVERIFY(widget->isEnabled());
    }

    shown.controls.setMediaLoaded(false);
    for (QWidget *widget : transport)
        QVERIFY(!widget->isEnabled());

    QSignalSpy plays(&shown.controls, &PlayerControls::playPauseClicked);
    QSignalSpy seeks(&shown.controls, &PlayerControls::seekRequested);
    QSignalSpy seeksBy(&shown.controls, &PlayerControls::seekByRequested);
    for (QWidget *widget : transport)
        QTest::mouseClick(widget, Qt::LeftButton);
    QCOMPARE(plays.count(), 0);
    QCOMPARE(seeks.count(), 0);
    QCOMPARE(seeksBy.count(), 0);

    // Full screen still works without media.
    QToolButton *fullScreen = buttonWithTip(shown.controls, u"Full screen (F)"_s);
    QVERIFY(fullScreen);
    QVERIFY(fullScreen->isEnabled());

    shown.controls.setMediaLoaded(true);
    for (QWidget *widget : transport)
        QVERIFY(widget->isEnabled());
}

QTEST_MAIN(tst_PlayerControls)
#include "tst_playercontrols.moc"
