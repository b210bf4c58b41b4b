#include "cluster_panel.h"

#include "add_agent_dialog.h"
#include "tr.h"

#include "pipeline/pipeline_parser.h"

#include <QDateTime>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <map>

namespace ts::gui {

struct ClusterPanel::Private
{
    store::ExperimentStore* store = nullptr;
    QString storePath;
    std::unique_ptr<cluster::LocalCluster> cluster;
    QStandardItemModel* agents = nullptr;
    QStandardItemModel* jobs = nullptr;
    QTableView* agentsView = nullptr;
    QTableView* jobsView = nullptr;
    QLabel* status = nullptr;
};

namespace {

QTableView* tableFor(QStandardItemModel* model)
{
    auto view = new QTableView;
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QList<QStandardItem*> row(const QStringList& cells)
{
    QList<QStandardItem*> items;
    for (const QString& cell : cells)
        items.push_back(new QStandardItem(cell));
    return items;
}

QString stateText(store::JobState state)
{
    switch (state) {
    case store::JobState::Queued:
        return Tr::tr("queued");
    case store::JobState::Running:
        return Tr::tr("running");
    case store::JobState::Paused:
        return Tr::tr("paused");
    case store::JobState::Finished:
        return Tr::tr("finished");
    case store::JobState::Failed:
        return Tr::tr("failed");
    case store::JobState::Cancelled:
        return Tr::tr("cancelled");
    }
    return {};
}

} // namespace

ClusterPanel::ClusterPanel(QWidget* parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->agents = new QStandardItemModel(0, 6, this);
    d->agents->setHorizontalHeaderLabels({ Tr::tr("Name"), Tr::tr("Address"), Tr::tr("Status"),
                                           Tr::tr("Host"), Tr::tr("CPUs"), Tr::tr("GPUs") });
    d->jobs = new QStandardItemModel(0, 8, this);
    d->jobs->setHorizontalHeaderLabels({ Tr::tr("ID"), Tr::tr("State"), Tr::tr("Priority"),
                                         Tr::tr("Run"), Tr::tr("Agent"), Tr::tr("Attempt"),
                                         Tr::tr("Name"), Tr::tr("Message") });
    d->agentsView = tableFor(d->agents);
    d->jobsView = tableFor(d->jobs);

    auto addAgentButton = new QPushButton(Tr::tr("Add agent…"));
    connect(addAgentButton, &QPushButton::clicked, this, &ClusterPanel::showAddAgentDialog);
    auto submitButton = new QPushButton(Tr::tr("Submit pipeline…"));
    connect(submitButton, &QPushButton::clicked, this, &ClusterPanel::showSubmitDialog);
    auto cancelButton = new QPushButton(Tr::tr("Cancel job"));
    connect(cancelButton, &QPushButton::clicked, this, &ClusterPanel::cancelSelectedJob);

    auto agentsBox = new QGroupBox(Tr::tr("Agents"));
    auto agentsLayout = new QVBoxLayout(agentsBox);
    auto agentsButtons = new QHBoxLayout;
    agentsButtons->addStretch();
    agentsButtons->addWidget(addAgentButton);
    agentsLayout->addLayout(agentsButtons);
    agentsLayout->addWidget(d->agentsView);
    auto jobsBox = new QGroupBox(Tr::tr("Jobs"));
    auto jobsLayout = new QVBoxLayout(jobsBox);
    auto jobsButtons = new QHBoxLayout;
    jobsButtons->addStretch();
    jobsButtons->addWidget(submitButton);
    jobsButtons->addWidget(cancelButton);
    jobsLayout->addLayout(jobsButtons);
    jobsLayout->addWidget(d->jobsView);
    d->status = new QLabel;
    d->status->setObjectName(QStringLiteral("clusterStatus"));
    d->status->setWordWrap(true);
    auto layout = new QVBoxLayout(this);
    layout->addWidget(agentsBox, 1);
    layout->addWidget(jobsBox, 2);
    layout->addWidget(d->status);
}

ClusterPanel::~ClusterPanel() = default;

void ClusterPanel::setStore(store::ExperimentStore* store, const QString& storePath)
{
    d->store = store;
    d->storePath = storePath;
}

void ClusterPanel::startCoordinator(int localAgents)
{
    if (d->storePath.isEmpty() || d->cluster)
        return;
    if (cluster::LocalCluster::isServed(d->storePath.toStdString())) {
        setStatus(Tr::tr("Another coordinator serves this store; jobs submitted here run on "
                         "its agents."));
        return;
    }
    cluster::LocalClusterOptions options;
    options.storePath = d->storePath.toStdString();
    options.localAgents = localAgents;
    auto started = cluster::LocalCluster::start(options);
    if (!started) {
        setStatus(Tr::tr("No coordinator: %1")
                          .arg(QString::fromStdString(started.error().message())));
        return;
    }
    d->cluster = std::move(*started);
    setStatus(Tr::tr("Coordinator on %1 (public key %2), %n local agent(s).", nullptr,
                     d->cluster->localAgents())
                      .arg(QString::fromStdString(d->cluster->coordinator().endpoint()),
                           QString::fromStdString(d->cluster->publicKey())));
}

bool ClusterPanel::hasCoordinator() const
{
    return d->cluster != nullptr;
}

QString ClusterPanel::statusText() const
{
    return d->status->text();
}

void ClusterPanel::setStatus(const QString& text)
{
    d->status->setText(text);
}

QString ClusterPanel::addAgent(const QString& name, const QString& address, const QString& key)
{
    if (!d->store)
        return Tr::tr("No experiment store is open.");
    store::AgentRecord agent;
    agent.name = name.toStdString();
    agent.address = address.toStdString();
    agent.publicKey = key.toStdString();
    if (common::Result added = d->store->addAgent(agent); !added)
        return QString::fromStdString(added.error().message());
    refresh();
    return {};
}

QString ClusterPanel::submitPipeline(const QString& path, int priority)
{
    JobRequest request;
    request.path = path;
    request.priority = priority;
    return submitJob(request);
}

QString ClusterPanel::submitJob(const JobRequest& request)
{
    if (!d->store)
        return Tr::tr("No experiment store is open.");
    if (request.path.isEmpty())
        return Tr::tr("Choose a pipeline file.");
    auto spec = pipeline::loadPipeline(request.path.toStdString());
    if (!spec)
        return QString::fromStdString(spec.error().message());
    const std::string baseDir = QFileInfo(request.path).absolutePath().toStdString();
    std::string text = spec->text;
    if (!request.strategy.isEmpty()) {
        // The chosen strategy replaces the train stage's; the result is checked like a file.
        QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
        QJsonArray stages = root[QStringLiteral("stages")].toArray();
        for (qsizetype i = 0; i < stages.size(); ++i) {
            QJsonObject stage = stages[i].toObject();
            if (!stage.contains(QStringLiteral("train")))
                continue;
            QJsonObject train = stage[QStringLiteral("train")].toObject();
            train[QStringLiteral("strategy")] = request.strategy;
            stage[QStringLiteral("train")] = train;
            stages[i] = stage;
        }
        root[QStringLiteral("stages")] = stages;
        text = QJsonDocument(root).toJson().toStdString();
        auto checked = pipeline::parsePipeline(text, request.path.toStdString(), baseDir);
        if (!checked)
            return QString::fromStdString(checked.error().message());
        spec = std::move(checked);
    }
    const pipeline::StrategySpec& strategy = spec->train.strategy;
    if (request.ranks > 1 && strategy.kind == pipeline::StrategySpec::Kind::Local)
        return Tr::tr("The pipeline trains in one process (strategy \"local\"); choose a "
                      "strategy for %1 ranks.")
                .arg(request.ranks);
    if (strategy.kind == pipeline::StrategySpec::Kind::ParameterServer
        && strategy.servers >= request.ranks)
        return Tr::tr("A parameter server job of %1 ranks with %2 servers has no worker.")
                .arg(request.ranks)
                .arg(strategy.servers);
    auto id = d->store->submitJob(
            { spec->experiment, spec->name, text, baseDir, request.priority, 0, request.ranks });
    if (!id)
        return QString::fromStdString(id.error().message());
    refresh();
    return {};
}

QString ClusterPanel::cancelJob(qint64 id)
{
    if (!d->store)
        return Tr::tr("No experiment store is open.");
    if (common::Result asked = d->store->requestCancel(id); !asked)
        return QString::fromStdString(asked.error().message());
    refresh();
    return {};
}

QStandardItemModel* ClusterPanel::agentsModel() const
{
    return d->agents;
}

QStandardItemModel* ClusterPanel::jobsModel() const
{
    return d->jobs;
}

void ClusterPanel::refresh()
{
    if (!d->store)
        return;
    // Agents: those the store trusts, and those connected now (local agents are only there).
    std::map<std::string, cluster::AgentState> connected;
    if (d->cluster)
        for (const cluster::AgentState& agent : d->cluster->coordinator().agents())
            connected[agent.id] = agent;
    d->agents->removeRows(0, d->agents->rowCount());
    const auto describe = [](const cluster::AgentState& a) {
        return QStringList { a.status == cluster::AgentState::Status::Online ? Tr::tr("online")
                                                                             : Tr::tr("lost"),
                             QString::fromStdString(a.info.host()), QString::number(a.info.cpus()),
                             QString::number(a.info.gpus_size()) };
    };
    if (auto trusted = d->store->agents())
        for (const store::AgentRecord& agent : *trusted) {
            QStringList cells { QString::fromStdString(agent.name),
                                QString::fromStdString(agent.address) };
            auto found = connected.find(agent.name);
            cells += found != connected.end() ? describe(found->second)
                                              : QStringList { Tr::tr("not connected"), {}, {}, {} };
            if (found != connected.end())
                connected.erase(found);
            d->agents->appendRow(row(cells));
        }
    for (const auto& [id, agent] : connected)
        d->agents->appendRow(
                row(QStringList { QString::fromStdString(id), Tr::tr("local") } + describe(agent)));

    auto jobs = d->store->jobs();
    if (!jobs) {
        setStatus(QString::fromStdString(jobs.error().message()));
        return;
    }
    d->jobs->removeRows(0, d->jobs->rowCount());
    for (const store::JobRecord& job : *jobs) {
        QList<QStandardItem*> items =
                row({ QString::number(job.id), stateText(job.state), QString::number(job.priority),
                      job.run > 0 ? QString::number(job.run) : QString(),
                      QString::fromStdString(job.agent), QString::number(job.attempt),
                      QString::fromStdString(job.name), QString::fromStdString(job.message) });
        items[JobId]->setData(qint64(job.id), Qt::UserRole);
        d->jobs->appendRow(items);
    }
}

void ClusterPanel::showAddAgentDialog()
{
    AddAgentDialog dialog([this](const QString& name, const QString& address,
                                 const QString& key) { return addAgent(name, address, key); },
                          this);
    dialog.exec();
}

void ClusterPanel::showSubmitDialog()
{
    SubmitJobDialog dialog([this](const JobRequest& request) { return submitJob(request); }, this);
    dialog.exec();
}

void ClusterPanel::cancelSelectedJob()
{
    const QModelIndexList rows = d->jobsView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const qint64 id = d->jobs->item(rows.first().row(), JobId)->data(Qt::UserRole).toLongLong();
    if (const QString error = cancelJob(id); !error.isEmpty())
        setStatus(error);
}

} // namespace ts::gui
