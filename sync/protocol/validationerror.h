#pragma once

#include <QJsonValue>
#include <QString>

#include <optional>

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
// A member that is there: JSON null counts as absent, as the protocol says.
bool isPresent(const QJsonValue &value);
// The string `value` holds if it is a string of at most maxCharacters characters, else nullopt;
// textRule() says that rule in words ("must be a string of at most 64 characters").
std::optional<QString> boundedText(const QJsonValue &value, qsizetype maxCharacters);
QString textRule(qsizetype maxCharacters);
} // namespace Validation
