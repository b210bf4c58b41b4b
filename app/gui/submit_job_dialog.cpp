#include "submit_job_dialog.h"

#include "tr.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ts::gui {

namespace {

QSpinBox* spinBox(int minimum, int maximum, int value)
{
    auto box = new QSpinBox;
    box->setRange(minimum, maximum);
    box->setValue(value);
    return box;
}

} // namespace

SubmitJobDialog::SubmitJobDialog(SubmitFunction submit, QWidget* parent)
    : QDialog(parent)
    , m_submit(std::move(submit))
{
    setWindowTitle(Tr::tr("Submit pipeline"));
    m_path = new QLineEdit;
    m_path->setMinimumWidth(m_path->fontMetrics().averageCharWidth() * 48);
    auto browse = new QPushButton(Tr::tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, &SubmitJobDialog::browse);
    auto pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path);
    pathRow->addWidget(browse);
    m_ranks = spinBox(1, 256, 1);
    m_priority = spinBox(-1000, 1000, 0);
    m_strategy = new QComboBox;
    m_strategy->addItems({ Tr::tr("As the pipeline says"), Tr::tr("All-reduce"),
                           Tr::tr("Parameter server"), Tr::tr("Pipeline stages") });
    m_mode = new QComboBox;
    m_mode->addItems(
            { Tr::tr("Synchronous"), Tr::tr("Asynchronous"), Tr::tr("Bounded staleness (SSP)") });
    m_staleness = spinBox(0, 1000, 2);
    m_servers = spinBox(1, 64, 1);
    m_microBatches = spinBox(1, 4096, 4);
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("submitJobError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #8a1c12; }"));
    m_error->hide();
    for (QComboBox* box : { m_strategy, m_mode })
        connect(box, &QComboBox::currentIndexChanged, this, &SubmitJobDialog::updateFields);

    auto form = new QFormLayout;
    form->addRow(Tr::tr("Pipeline:"), pathRow);
    form->addRow(Tr::tr("Ranks:"), m_ranks);
    form->addRow(Tr::tr("Priority:"), m_priority);
    form->addRow(Tr::tr("Strategy:"), m_strategy);
    form->addRow(Tr::tr("Mode:"), m_mode);
    form->addRow(Tr::tr("Staleness bound:"), m_staleness);
    form->addRow(Tr::tr("Servers:"), m_servers);
    form->addRow(Tr::tr("Micro-batches:"), m_microBatches);
    auto buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &SubmitJobDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SubmitJobDialog::reject);
    auto layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    updateFields();
}

void SubmitJobDialog::updateFields()
{
    const auto strategy = Strategy(m_strategy->currentIndex());
    const bool server = strategy == ParameterServer;
    m_mode->setEnabled(server);
    m_servers->setEnabled(server);
    m_staleness->setEnabled(server && m_mode->currentIndex() == BoundedStaleness);
    m_microBatches->setEnabled(strategy == PipelineStages);
}

void SubmitJobDialog::browse()
{
    const QString path = QFileDialog::getOpenFileName(this, Tr::tr("Submit a pipeline"),
                                                      m_path->text(), Tr::tr("Pipelines (*.json)"));
    if (!path.isEmpty())
        m_path->setText(path);
}

void SubmitJobDialog::setPath(const QString& path)
{
    m_path->setText(path);
}

void SubmitJobDialog::setRanks(int ranks)
{
    m_ranks->setValue(ranks);
}

void SubmitJobDialog::setStrategy(Strategy strategy, Mode mode, int staleness, int servers,
                                  int microBatches)
{
    m_strategy->setCurrentIndex(strategy);
    m_mode->setCurrentIndex(mode);
    m_staleness->setValue(staleness);
    m_servers->setValue(servers);
    m_microBatches->setValue(microBatches);
    updateFields();
}

JobRequest SubmitJobDialog::request() const
{
    JobRequest r;
    r.path = m_path->text().trimmed();
    r.ranks = m_ranks->value();
    r.priority = m_priority->value();
    switch (Strategy(m_strategy->currentIndex())) {
    case FromPipeline:
        break;
    case AllReduce:
        r.strategy = { { "type", "allreduce" } };
        break;
    case ParameterServer: {
        const char* modes[] = { "sync", "async", "ssp" };
        r.strategy = { { "type", "parameter_server" },
                       { "servers", m_servers->value() },
                       { "mode", modes[m_mode->currentIndex()] } };
        if (m_mode->currentIndex() == BoundedStaleness)
            r.strategy["staleness"] = m_staleness->value();
        break;
    }
    case PipelineStages:
        r.strategy = { { "type", "pipeline" }, { "microBatches", m_microBatches->value() } };
        break;
    }
    return r;
}

QString SubmitJobDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void SubmitJobDialog::accept()
{
    const QString error = m_submit(request());
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    if (error.isEmpty())
        QDialog::accept();
}

} // namespace ts::gui
