// The NOTIFY payloads servers on one PostgreSQL database tell each other their changes with
// (server/changefeed.h): the largest record the codec accepts, choices and all, fits in one
// payload below PostgreSQL's 8000 bytes and comes back whole.
#include "changefeed.h"

#include <QTest>
#include <QUuid>

#include <limits>

namespace {

// `count` characters that each take the most bytes in compact JSON text: a control character
// is written as \u00XX, six bytes.
QString widest(qsizetype count)
{
    return QString(count, QChar(0x01));
}

// Every field at its limit, in the most expensive characters, every number at its widest.
ProgressRecord largestRecord()
{
    ProgressRecord record;
    record.contentId = QString(128, u'c');
    record.positionMs = 9007199254740992;
    record.durationMs = 9007199254740992;
    record.deviceId = QString(64, u'd');
    record.deviceName = widest(64);
    record.observedAtMs = 9007199254740992;
    record.receivedAtMs = 9007199254740992;
    record.state = PlaybackState::Stopped;
    record.title = widest(256);
    record.showId = widest(128);
    record.episodeId = widest(128);
    PlaybackChoices choices;
    choices.audio = TrackIdentity{widest(16), widest(128), widest(64)};
    // A sidecar's file name (255) outweighs an embedded track's title and codec (128 + 64).
    choices.subtitles = SubtitleChoice{SubtitleChoice::Source::Sidecar,
                                       TrackIdentity{widest(16), {}, {}}, widest(255)};
    choices.subtitleDelayMs = -600000;
    choices.speed = 0.30000000000000004;
    record.choices = choices;
    return record;
}

} // namespace

class tst_ChangeNotice : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void largestRecordFitsOnePayload();
};

void tst_ChangeNotice::largestRecordFitsOnePayload()
{
    const QString origin = QUuid::createUuid().toString(QUuid::WithoutBraces);
    CommittedChange change;
    change.userId = std::numeric_limits<qint64>::max() / 1024; // as wide as a user id gets in JSON
    change.record = largestRecord();

    const QList<QByteArray> payloads = ChangeNotice::encode(origin, {change});
    QCOMPARE(payloads.size(), 1);
    qInfo("the largest record's payload: %lld bytes of %d", qint64(payloads.first().size()),
          ChangeNotice::kMaxPayloadBytes);
    QVERIFY(payloads.first().size() <= ChangeNotice::kMaxPayloadBytes);

    QString decodedOrigin;
    QList<CommittedChange> decoded;
    QString error;
    QVERIFY2(ChangeNotice::decode(payloads.first(), &decodedOrigin, &decoded, &error),
             qPrintable(error));
    QCOMPARE(decodedOrigin, origin);
    QCOMPARE(decoded.size(), 1);
    QVERIFY(decoded.first().record == change.record);
}

QTEST_GUILESS_MAIN(tst_ChangeNotice)
#include "tst_changenotice.moc"
