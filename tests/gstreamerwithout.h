#pragma once

// GStreamer as on a machine where one Debian package is not installed, for a child process:
// a folder of symlinks to every plugin installed here but that package's, given as
// GST_PLUGIN_SYSTEM_PATH_1_0, and a registry of its own, so the child's GStreamer never sees the
// package's plugins (the tests of what the player says when a package is missing).
#include "serverprocess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QSet>
#include <QTemporaryDir>

class GStreamerWithout
{
public:
    // Reads the package's files (dpkg -L); error() says what went wrong, "" when it is ready.
    explicit GStreamerWithout(const QString &package)
    {
        const Run listed = runProcess(QStringLiteral("dpkg"), {QStringLiteral("-L"), package},
                                      QProcessEnvironment::systemEnvironment(), 30000);
        QSet<QString> left;
        QString pluginDir;
        for (const QByteArray &line : listed.out.split('\n')) {
            const QFileInfo file(QString::fromUtf8(line.trimmed()));
            if (file.suffix() == QLatin1String("so")
                && file.path().endsWith(QLatin1String("/gstreamer-1.0"))) {
                left.insert(file.fileName());
                pluginDir = file.path();
            }
        }
        if (!listed.exitedNormally() || listed.exitCode != 0 || left.isEmpty()) {
            m_error = QStringLiteral("%1 has no GStreamer plugins installed here (scripts/setup "
                                     "installs it): %2")
                          .arg(package, QString::fromLocal8Bit(listed.err));
            return;
        }
        if (!m_dir.isValid() || !QDir().mkpath(pluginsPath())) {
            m_error = QStringLiteral("no temporary folder");
            return;
        }
        const QFileInfoList plugins =
            QDir(pluginDir).entryInfoList({QStringLiteral("*.so")}, QDir::Files);
        for (const QFileInfo &plugin : plugins) {
            if (left.contains(plugin.fileName()))
                continue;
            if (!QFile::link(plugin.absoluteFilePath(), pluginsPath() + u'/' + plugin.fileName())) {
                m_error = QStringLiteral("cannot link %1").arg(plugin.absoluteFilePath());
                return;
            }
            ++m_linked;
        }
        m_left = int(left.size());
    }

    const QString &error() const { return m_error; }
    int pluginsLinked() const { return m_linked; }
    int pluginsLeftOut() const { return m_left; }

    // `base` with GStreamer looking only at the folder, in a registry file of its own.
    QProcessEnvironment environment(QProcessEnvironment base) const
    {
        base.insert(QStringLiteral("GST_PLUGIN_SYSTEM_PATH_1_0"), pluginsPath());
        base.insert(QStringLiteral("GST_REGISTRY_1_0"),
                    m_dir.filePath(QStringLiteral("registry.bin")));
        base.remove(QStringLiteral("GST_PLUGIN_PATH_1_0"));
        base.remove(QStringLiteral("GST_PLUGIN_PATH"));
        base.remove(QStringLiteral("GST_PLUGIN_SYSTEM_PATH"));
        return base;
    }

private:
    QString pluginsPath() const { return m_dir.filePath(QStringLiteral("plugins")); }

    QTemporaryDir m_dir;
    QString m_error;
    int m_linked = 0;
    int m_left = 0;
};
