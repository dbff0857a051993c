#pragma once

#include <QString>

// What POST /v1/pairings/approve answered for a code typed on this device.
struct ApproveResult
{
    enum Outcome {
        Approved, // the device waiting with that code is now one of the user's: deviceName
        WrongCode, // unknown, used or expired code (404)
        TooManyTries, // too many wrong codes lately (429): retryAfterSeconds
        Failed, // no answer, or another: error
    };
    Outcome outcome = Failed;
    QString deviceName;
    int retryAfterSeconds = 0;
    QString error;
};
