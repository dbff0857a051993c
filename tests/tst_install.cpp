// `cmake --install` into a temporary prefix, then a look at what landed where a Linux desktop, a
// person reading the docs and an administrator setting up the service expect it.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 120000;

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QByteArray output; // stdout and stderr together, for failure messages
};

Run runProcess(const QString &program, const QStringList &args,
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    Run run;
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(program, args);
    if (!finished.wait(kTimeoutMs)) {
        qWarning() << "no exit from" << program << args << process.errorString();
        process.kill();
        return run;
    }
    run.finished = process.exitStatus() == QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.output = process.readAll();
    return run;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The keys of the [Desktop Entry] group. Not QSettings: it would read ';' and '%' its own way.
QHash<QString, QString> desktopEntry(const QByteArray &text)
{
    QHash<QString, QString> keys;
    bool inGroup = false;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u'[')) {
            inGroup = line == "[Desktop Entry]"_L1;
            continue;
        }
        const qsizetype equals = line.indexOf(u'=');
        if (inGroup && equals > 0)
            keys.insert(line.left(equals).trimmed(), line.mid(equals + 1).trimmed());
    }
    return keys;
}

} // namespace

class TestInstall : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void installsFiles_data();
    void installsFiles();
    void serverRuns();
    void playerAnswersWithoutDisplay_data();
    void playerAnswersWithoutDisplay();
    void desktopEntry();
    void desktopEntryValidates();
    void iconIsSvg();
    void serviceUnit();

private:
    QString installed(const QString &relative) const { return m_prefix.filePath(relative); }
    QString docDir() const { return QStringLiteral(PLAYMARK_INSTALL_DOCDIR); }

    QTemporaryDir m_prefix;
};

void TestInstall::initTestCase()
{
    QVERIFY2(m_prefix.isValid(), qPrintable(m_prefix.errorString()));
    const Run run = runProcess(
        QStringLiteral(CMAKE_COMMAND_PATH),
        {u"--install"_s, QStringLiteral(PLAYMARK_BUILD_DIR), u"--prefix"_s, m_prefix.path()});
    QVERIFY2(run.finished && run.exitCode == 0, run.output.constData());
}

void TestInstall::installsFiles_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("executable");

    const QString bin = QStringLiteral(PLAYMARK_INSTALL_BINDIR);
    const QString data = QStringLiteral(PLAYMARK_INSTALL_DATADIR);
    QTest::newRow("player") << bin + "/playmark"_L1 << true;
    QTest::newRow("server") << bin + "/playmark-server"_L1 << true;
    QTest::newRow("desktop entry") << data + "/applications/playmark.desktop"_L1 << false;
    QTest::newRow("icon") << data + "/icons/hicolor/scalable/apps/playmark.svg"_L1 << false;
    QTest::newRow("readme") << docDir() + "/README.md"_L1 << false;
    QTest::newRow("protocol") << docDir() + "/docs/protocol.md"_L1 << false;
    QTest::newRow("unit") << docDir() + "/deploy/playmark-server.service"_L1 << false;
    QTest::newRow("deploy readme") << docDir() + "/deploy/README.md"_L1 << false;
    QTest::newRow("nginx site") << docDir() + "/deploy/nginx/playmark.conf"_L1 << false;
}

void TestInstall::installsFiles()
{
    QFETCH(QString, path);
    QFETCH(bool, executable);

    const QFileInfo info(installed(path));
    QVERIFY2(info.isFile(), qPrintable(path + " is not installed"_L1));
    QVERIFY(info.size() > 0);
    if (executable)
        QVERIFY2(info.isExecutable(), qPrintable(path + " is not executable"_L1));
}

void TestInstall::serverRuns()
{
    const QString server =
        installed(QStringLiteral(PLAYMARK_INSTALL_BINDIR) + "/playmark-server"_L1);
    const Run run = runProcess(server, {u"--help"_s});
    QVERIFY2(run.finished, run.output.constData());
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.output.contains("serve"), run.output.constData());
}

void TestInstall::playerAnswersWithoutDisplay_data()
{
    QTest::addColumn<QString>("argument");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("says");

    QTest::newRow("help") << u"--help"_s << 0 << u"--profile"_s;
    QTest::newRow("version") << u"--version"_s << 0 << u"playmark "_s;
    QTest::newRow("bad option") << u"--no-such-option"_s << 2 << u"Try 'playmark --help'"_s;
}

// Over ssh, or in a terminal with no desktop, `playmark --help` answers like any command
// instead of failing to reach a display.
void TestInstall::playerAnswersWithoutDisplay()
{
    QFETCH(QString, argument);
    QFETCH(int, exitCode);
    QFETCH(QString, says);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        environment.remove(QString::fromLatin1(name));
    const Run run = runProcess(installed(QStringLiteral(PLAYMARK_INSTALL_BINDIR) + "/playmark"_L1),
                               {argument}, environment);
    QVERIFY2(run.finished, run.output.constData());
    QVERIFY2(run.exitCode == exitCode, run.output.constData());
    QVERIFY2(run.output.contains(says.toUtf8()), run.output.constData());
    QVERIFY2(!run.output.contains("platform plugin"), run.output.constData());
}

void TestInstall::desktopEntry()
{
    const QHash<QString, QString> keys = ::desktopEntry(readFile(
        installed(QStringLiteral(PLAYMARK_INSTALL_DATADIR) + "/applications/playmark.desktop"_L1)));
    QCOMPARE(keys.value(u"Type"_s), u"Application"_s);
    QCOMPARE(keys.value(u"Name"_s), u"Playmark"_s);
    // The program the desktop runs is the one installed in bin/, found on PATH.
    QCOMPARE(keys.value(u"Exec"_s).section(u' ', 0, 0), u"playmark"_s);
    QCOMPARE(keys.value(u"Icon"_s), u"playmark"_s);
    QVERIFY(keys.value(u"MimeType"_s).contains("video/mp4;"_L1));
}

void TestInstall::desktopEntryValidates()
{
    const QString validator = QStandardPaths::findExecutable(u"desktop-file-validate"_s);
    // scripts/setup installs it: a machine without it is not set up, and that is a failure.
    QVERIFY2(
        !validator.isEmpty(),
        "desktop-file-validate is not installed (package desktop-file-utils; run scripts/setup)");
    const Run run = runProcess(validator,
                               {installed(QStringLiteral(PLAYMARK_INSTALL_DATADIR)
                                          + "/applications/playmark.desktop"_L1)});
    QVERIFY2(run.finished, run.output.constData());
    QVERIFY2(run.exitCode == 0, run.output.constData());
    // It exits 0 on hints and warnings too; a clean entry prints nothing.
    QVERIFY2(run.output.trimmed().isEmpty(), run.output.constData());
}

void TestInstall::iconIsSvg()
{
    QXmlStreamReader xml(readFile(installed(QStringLiteral(PLAYMARK_INSTALL_DATADIR)
                                            + "/icons/hicolor/scalable/apps/playmark.svg"_L1)));
    QVERIFY(xml.readNextStartElement());
    QCOMPARE(xml.name(), "svg"_L1);
    QCOMPARE(xml.namespaceUri(), "http://www.w3.org/2000/svg"_L1);
    QVERIFY(xml.attributes().hasAttribute(u"viewBox"_s));
    while (!xml.atEnd())
        xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
}

void TestInstall::serviceUnit()
{
    const QByteArray unit = readFile(installed(docDir() + "/deploy/playmark-server.service"_L1));
    const QList<QByteArray> lines = unit.split('\n');
    for (const QByteArray &expected :
         {"User=playmark"_ba, "Group=playmark"_ba, "Restart=on-failure"_ba,
          "StateDirectory=playmark-server"_ba,
          "ExecStart=/usr/local/bin/playmark-server serve --max-connections 10000"_ba,
          "LimitNOFILE=10256"_ba})
        QVERIFY2(lines.contains(expected), expected.constData());
}

QTEST_GUILESS_MAIN(TestInstall)
#include "tst_install.moc"
