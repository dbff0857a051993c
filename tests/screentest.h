#pragma once

// What the end-to-end tests with real players on a private X display share: the programs under
// test, the sample video (the test's target defines PLAYMARK_SERVER_BIN, PLAYMARK_PLAYER_BIN and
// PLAYMARK_SAMPLE_VIDEO) and how long to wait. Generous: the machine is shared. Nothing here
// asserts how long anything took.
#include <QString>

namespace ScreenTest {

inline const QString kServerBin = QStringLiteral(PLAYMARK_SERVER_BIN);
inline const QString kPlayerBin = QStringLiteral(PLAYMARK_PLAYER_BIN);
inline const QString kSample = QStringLiteral(PLAYMARK_SAMPLE_VIDEO);
// For a process to start, answer or end.
constexpr int kTimeoutMs = 60000;
// For a window to show what it should (read off the screen).
constexpr int kLookMs = 30000;

} // namespace ScreenTest
