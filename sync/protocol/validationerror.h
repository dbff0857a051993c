#pragma once

#include <QString>

// Which field broke which rule, in words a person can act on.
struct ValidationError
{
    QString field; // empty when the document as a whole is wrong
    QString message;
};

namespace Validation {
// Characters as a person counts them: a surrogate pair is one. The protocol's length limits are
// in these.
qsizetype characterCount(const QString &text);
} // namespace Validation
