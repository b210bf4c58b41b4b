#include "add_agent_dialog.h"

#include "tr.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace ts::gui {

AddAgentDialog::AddAgentDialog(AddFunction add, QWidget* parent)
    : QDialog(parent)
    , m_add(std::move(add))
{
    setWindowTitle(Tr::tr("Add agent"));
    m_name = new QLineEdit;
    m_name->setPlaceholderText(Tr::tr("gpu-box-1"));
    m_address = new QLineEdit;
    m_address->setPlaceholderText(QStringLiteral("tcp://gpu-box-1:7150"));
    m_key = new QLineEdit;
    m_key->setPlaceholderText(Tr::tr("40 characters, as trainstudio-agent --show-key prints it"));
    m_key->setMinimumWidth(m_key->fontMetrics().averageCharWidth() * 48);
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("addAgentError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #8a1c12; }"));
    m_error->hide();

    auto form = new QFormLayout;
    form->addRow(Tr::tr("Name:"), m_name);
    form->addRow(Tr::tr("Address:"), m_address);
    form->addRow(Tr::tr("Public key:"), m_key);
    auto buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &AddAgentDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &AddAgentDialog::reject);
    auto layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(Tr::tr("The coordinator lets an agent in only with the public key "
                                        "it created (trainstudio-agent --init).")));
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

void AddAgentDialog::setFields(const QString& name, const QString& address, const QString& key)
{
    m_name->setText(name);
    m_address->setText(address);
    m_key->setText(key);
}

QString AddAgentDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void AddAgentDialog::accept()
{
    const QString error =
            m_add(m_name->text().trimmed(), m_address->text().trimmed(), m_key->text().trimmed());
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    if (error.isEmpty())
        QDialog::accept();
}

} // namespace ts::gui
