// AddAgentDialog: "Add agent…" of the studio: a lab machine's name, address and public key (what
// `trainstudio-agent --init` or `--show-key` printed there), stored in the experiment store's
// agents, the coordinator's allow-list. A refused entry (a key that is not 40 Z85 characters, a
// name or key already there) keeps the dialog open with the reason under the fields.
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include <QDialog>

#include <functional>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
QT_END_NAMESPACE

namespace ts::gui {

class AddAgentDialog final : public QDialog
{
    Q_OBJECT

public:
    // `add` stores the agent and returns the error text, or an empty string on success.
    using AddFunction =
            std::function<QString(const QString& name, const QString& address, const QString& key)>;
    explicit AddAgentDialog(AddFunction add, QWidget* parent = nullptr);

    void setFields(const QString& name, const QString& address, const QString& key);
    QString errorText() const;

public slots:
    // Stores the agent; closes the dialog when it was stored.
    void accept() override;

private:
    AddFunction m_add;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_address = nullptr;
    QLineEdit* m_key = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace ts::gui
