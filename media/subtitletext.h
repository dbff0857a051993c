#pragma once

#include <QString>

// The text a person should read from a cue's markup: SubRip/WebVTT/HTML tags (<i>, </i>, <b>,
// <font color=...>, <c.yellow>, <v Name>, <00:00:01.000>, <ruby>/<rt>), ASS override blocks
// ({\an8}, {\i1}), HTML entities (&amp; &lt; &gt; &nbsp; &quot; &apos; &#39; &#x2014;), control
// characters and U+FFFD removed or decoded. Lines stay separated by '\n'; runs of spaces become
// one, empty lines are dropped, the whole is trimmed.
//
// The control characters and U+FFFD matter for Qt 6.4's embedded subtitles, which hand over
// "<i>Embedded</i> cue from 0:02.000" followed by the bytes after the buffer (ef bf bd ef bf bd
// 0b ...); those must not reach the screen.
QString plainSubtitleText(const QString &markup);
