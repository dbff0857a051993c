#include "media/playability.h"

#include "media/filediscovery.h"

#include <QList>
#include <QLoggingCategory>
#include <QStringList>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

Q_LOGGING_CATEGORY(lcPlayability, "playmark.media.playability")

namespace {

// A Debian package, and the GStreamer plugin in it that brings the missing piece: a package
// whose plugin is in the registry is installed.
struct Package
{
    const char *name = nullptr;
    const char *plugin = nullptr;
};

// What brings a missing demuxer or decoder on Debian 12 (GStreamer 1.22), measured: each format
// made by ffmpeg, played by playbin and by the player with the plugins of one package left out
// (a GST_PLUGIN_SYSTEM_PATH_1_0 of symlinks), and the discoverer's missing-plugin details read
// (README, Formats). A piece whose caps meet `caps` needs every package listed here that is not
// installed.
struct Remedy
{
    const char *caps;
    const char *container; // the file, in words, when the piece is its demuxer
    std::array<Package, 2> packages;
};

constexpr Package kBad{"gstreamer1.0-plugins-bad", nullptr};
constexpr Package kUgly{"gstreamer1.0-plugins-ugly", nullptr};
constexpr Package kLibav{"gstreamer1.0-libav", "libav"};

constexpr Package in(Package package, const char *plugin)
{
    package.plugin = plugin;
    return package;
}

// In order: the first entry whose caps meet the missing piece's is its remedy.
constexpr std::array kRemedies{
    // MPEG-1, -2 and -4 video (the demuxers' caps for it may not say systemstream=false, which
    // would meet the program stream's below). gst-libav decodes all three.
    Remedy{"video/mpeg, systemstream=(boolean)false", nullptr, {kLibav}},
    // Containers (the discoverer finds no stream at all: the demuxer is what is missing).
    Remedy{"video/mpegts", "an MPEG transport stream (.ts, .m2ts)", {in(kBad, "mpegtsdemux")}},
    Remedy{"video/mpeg, systemstream=(boolean)true",
           "an MPEG program stream (.mpg, .vob)",
           {in(kBad, "mpegpsdemux")}},
    Remedy{"video/x-ms-asf", "a Windows Media file (.wmv, .wma, .asf)", {in(kUgly, "asf")}},
    Remedy{"application/vnd.rn-realmedia", "a RealMedia file (.rm)", {in(kUgly, "realmedia")}},
    // AV1: aom's av1dec (Debian 12's GStreamer has no dav1d plugin, and gst-libav none for AV1).
    Remedy{"video/x-av1", nullptr, {in(kBad, "aom")}},
    // H.264 decodes in gst-libav, which takes it only parsed: in FLV (stream-format=avc, no
    // alignment) that needs h264parse, from plugins-bad (in MP4 and MKV the demuxer suffices).
    Remedy{"video/x-h264", nullptr, {kLibav, in(kBad, "videoparsersbad")}},
    // Without gst-libav, plugins-bad's libde265 takes H.265 (measured: it aborts the process on
    // 10-bit HEVC), so a missing H.265 decoder means gst-libav.
    Remedy{"video/x-h265", nullptr, {kLibav}},
    // gst-libav alone decodes these (measured without it: each one missing).
    Remedy{"video/x-prores", nullptr, {kLibav}},
    Remedy{"video/x-dnxhd", nullptr, {kLibav}},
    Remedy{"video/x-msmpeg", nullptr, {kLibav}},
    Remedy{"video/x-wmv", nullptr, {kLibav}},
    Remedy{"video/x-h263", nullptr, {kLibav}},
    Remedy{"video/x-flash-video", nullptr, {kLibav}},
    Remedy{"video/x-ffv", nullptr, {kLibav}},
    Remedy{"video/x-huffyuv", nullptr, {kLibav}},
    Remedy{"video/x-cineform", nullptr, {kLibav}},
    Remedy{"video/x-cinepak", nullptr, {kLibav}},
    Remedy{"video/x-rle", nullptr, {kLibav}},
    Remedy{"video/x-pn-realvideo", nullptr, {kLibav}},
    Remedy{"audio/x-wma", nullptr, {kLibav}},
    Remedy{"audio/x-alac", nullptr, {kLibav}},
    Remedy{"audio/x-eac3", nullptr, {kLibav}},
    Remedy{"audio/x-true-hd", nullptr, {kLibav}},
};

// Codecs GStreamer on Debian 12 does not know at all, by the fourcc its demuxers give them
// (qtdemux: video/x-gst-fourcc-XXXX; avidemux: video/x-avi-unknown, fourcc=(int); matroskademux:
// video/x-unknown, fourcc=(string)), measured on files ffmpeg makes. None of these plays here.
struct UnknownCodec
{
    const char *fourccPrefix;
    const char *name;
};
constexpr std::array kUnknownCodecs{
    UnknownCodec{"AVdh", "DNxHR"}, // in MOV; in MXF it plays (video/x-dnxhd, gst-libav)
    UnknownCodec{"Hap", "Hap"}, // Hap1, Hap5, HapY, HapM, HapA
    UnknownCodec{"UL", "Ut Video"}, // ULY0, ULY2, ULY4, ULRG, ULRA, ULH0...
    UnknownCodec{"UQ", "Ut Video"}, UnknownCodec{"UM", "Ut Video"},
    UnknownCodec{"M8", "MagicYUV"}, UnknownCodec{"SNOW", "Snow"},
};

enum class Part { File, Video, Audio, Subtitles };

struct Missing
{
    Part part = Part::File;
    QString name; // what the file or the stream is, in words
    QStringList packages; // to install; none when no Debian package brings it
};

struct GstCapsDeleter
{
    void operator()(GstCaps *caps) const { gst_caps_unref(caps); }
};
using CapsPointer = std::unique_ptr<GstCaps, GstCapsDeleter>;

bool isInstalled(const char *plugin)
{
    if (!plugin)
        return false;
    GstPlugin *found = gst_registry_find_plugin(gst_registry_get(), plugin);
    if (!found)
        return false;
    const bool usable = !GST_OBJECT_FLAG_IS_SET(found, GST_PLUGIN_FLAG_BLACKLISTED);
    gst_object_unref(found);
    return usable;
}

// The fourcc in an unknown codec's caps, or "".
QString fourccOf(const GstCaps *caps)
{
    const GstStructure *structure = gst_caps_get_structure(caps, 0);
    const QString type = QString::fromUtf8(gst_structure_get_name(structure));
    static const QString qtdemux = QStringLiteral("/x-gst-fourcc-");
    if (const qsizetype at = type.indexOf(qtdemux); at >= 0)
        return type.mid(at + qtdemux.size());
    if (const gchar *text = gst_structure_get_string(structure, "fourcc"))
        return QString::fromLatin1(text);
    guint32 code = 0;
    if (gst_structure_get_uint(structure, "fourcc", &code)
        || gst_structure_get_int(structure, "fourcc", reinterpret_cast<gint *>(&code))) {
        QString text;
        for (int shift = 0; shift < 32; shift += 8)
            text += QLatin1Char(char((code >> shift) & 0xff));
        return text;
    }
    return {};
}

QString codecName(const GstCaps *caps)
{
    if (const QString fourcc = fourccOf(caps); !fourcc.isEmpty()) {
        for (const UnknownCodec &codec : kUnknownCodecs) {
            if (fourcc.startsWith(QLatin1String(codec.fourccPrefix)))
                return QString::fromUtf8(codec.name);
        }
        return QStringLiteral("an unknown codec (fourcc %1)").arg(fourcc);
    }
    // GStreamer's own name ("AV1", "H.264 (High 4:2:2 Profile)"), when it has one: for caps it
    // does not know it gives their media type ("video/x-unknown", matroskademux's for an
    // unknown codec id such as V_QUICKTIME, which is how ffmpeg writes DNxHR into MKV).
    const GstStructure *structure = gst_caps_get_structure(caps, 0);
    const char *type = gst_structure_get_name(structure);
    const QString description = codecDescription(caps);
    if (!description.startsWith(QLatin1String(type)))
        return description;
    const gchar *codecId = gst_structure_get_string(structure, "codec-id");
    return QStringLiteral("an unknown codec (%1)").arg(QString::fromUtf8(codecId ? codecId : type));
}

// Which part of the file the missing piece takes: the stream whose caps meet its caps, or the
// file itself when the discoverer found no such stream (its demuxer is what is missing).
Part partOf(GstDiscovererInfo *info, const GstCaps *missing)
{
    Part part = Part::File;
    GList *streams = gst_discoverer_info_get_stream_list(info);
    for (GList *item = streams; item; item = item->next) {
        auto *stream = GST_DISCOVERER_STREAM_INFO(item->data);
        const CapsPointer caps(gst_discoverer_stream_info_get_caps(stream));
        if (!caps || !gst_caps_can_intersect(caps.get(), missing))
            continue;
        if (GST_IS_DISCOVERER_VIDEO_INFO(stream))
            part = Part::Video;
        else if (GST_IS_DISCOVERER_AUDIO_INFO(stream))
            part = Part::Audio;
        else if (GST_IS_DISCOVERER_SUBTITLE_INFO(stream))
            part = Part::Subtitles;
        break;
    }
    gst_discoverer_stream_info_list_free(streams);
    return part;
}

// One installer detail ("gstreamer|1.0|app|description|decoder-CAPS", the format of
// gst_missing_plugin_message_get_installer_detail) as what is missing and what brings it.
std::optional<Missing> missingPiece(GstDiscovererInfo *info, const QString &detail)
{
    static const QString decoder = QStringLiteral("decoder-");
    const QString wanted = detail.section(QLatin1Char('|'), 4);
    if (!wanted.startsWith(decoder)) // an element or a URI scheme: nothing a file is made of
        return std::nullopt;
    const CapsPointer caps(gst_caps_from_string(wanted.mid(decoder.size()).toUtf8().constData()));
    if (!caps || gst_caps_is_empty(caps.get()) || gst_caps_is_any(caps.get()))
        return std::nullopt;

    Missing piece;
    piece.part = partOf(info, caps.get());
    const Remedy *remedy = nullptr;
    for (const Remedy &candidate : kRemedies) {
        const CapsPointer remedyCaps(gst_caps_from_string(candidate.caps));
        if (gst_caps_can_intersect(remedyCaps.get(), caps.get())) {
            remedy = &candidate;
            break;
        }
    }
    if (piece.part == Part::File && remedy && remedy->container)
        piece.name = QString::fromUtf8(remedy->container);
    else
        piece.name = codecName(caps.get());
    if (piece.part == Part::File && !(remedy && remedy->container)) {
        // No stream met it and it is no container we know: a stream the discoverer could not
        // even list (a raw elementary file); say what kind by its media type.
        const char *type = gst_structure_get_name(gst_caps_get_structure(caps.get(), 0));
        piece.part = g_str_has_prefix(type, "audio/") ? Part::Audio : Part::Video;
    }
    if (remedy) {
        for (const Package &package : remedy->packages) {
            if (package.name && !isInstalled(package.plugin))
                piece.packages.append(QString::fromUtf8(package.name));
        }
    }
    return piece;
}

QString subjectOf(const Missing &piece, bool first)
{
    switch (piece.part) {
    case Part::File:
        return (first ? QStringLiteral("This file is %1") : QStringLiteral("it is %1"))
            .arg(piece.name);
    case Part::Video:
        return (first ? QStringLiteral("This file's video is %1")
                      : QStringLiteral("its video is %1"))
            .arg(piece.name);
    case Part::Audio:
    case Part::Subtitles:
        break;
    }
    return (first ? QStringLiteral("This file's audio is %1") : QStringLiteral("its audio is %1"))
        .arg(piece.name);
}

// One sentence per set of packages to install, the pieces no package brings last.
QString inWords(const QList<Missing> &pieces)
{
    QStringList sentences;
    QList<Missing> unsorted = pieces;
    while (!unsorted.isEmpty()) {
        const QStringList packages = unsorted.first().packages;
        QStringList subjects;
        bool fileOnly = true;
        for (qsizetype i = 0; i < unsorted.size();) {
            if (unsorted.at(i).packages != packages) {
                ++i;
                continue;
            }
            subjects.append(subjectOf(unsorted.at(i), subjects.isEmpty()));
            fileOnly = fileOnly && unsorted.at(i).part == Part::File;
            unsorted.removeAt(i);
        }
        QString sentence = subjects.join(QStringLiteral(" and "));
        if (!packages.isEmpty())
            sentence += QStringLiteral("; install ") + packages.join(QStringLiteral(" and "));
        else if (fileOnly)
            sentence += QStringLiteral(", which this system cannot read");
        else
            sentence += QStringLiteral(", which this system cannot decode");
        sentences.append(sentence);
    }
    return sentences.join(QStringLiteral(". "));
}

// What is missing, in words; with `videoOnly`, only what the picture needs.
QString explainMissing(const FileDiscovery &discovery, bool videoOnly)
{
    if (discovery.result() != GST_DISCOVERER_MISSING_PLUGINS || !discovery.info())
        return {};
    QList<Missing> pieces;
    const gchar **details =
        gst_discoverer_info_get_missing_elements_installer_details(discovery.info());
    for (const gchar **detail = details; detail && *detail; ++detail) {
        qCDebug(lcPlayability) << "misses" << *detail;
        const std::optional<Missing> piece =
            missingPiece(discovery.info(), QString::fromUtf8(*detail));
        // Subtitles GStreamer cannot decode do not stop the picture or the sound.
        if (!piece || piece->part == Part::Subtitles || (videoOnly && piece->part != Part::Video))
            continue;
        const bool known = std::any_of(pieces.cbegin(), pieces.cend(), [&](const Missing &seen) {
            return seen.part == piece->part && seen.name == piece->name;
        });
        if (!known)
            pieces.append(*piece);
    }
    return inWords(pieces);
}

} // namespace

QString explainUnplayable(const QString &path)
{
    return explainMissing(FileDiscovery(path), false);
}

QString explainUndecodableVideo(const FileDiscovery &discovery)
{
    return explainMissing(discovery, true);
}
