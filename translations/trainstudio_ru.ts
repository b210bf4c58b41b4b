<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU" sourcelanguage="en_US">
<context>
    <name>TrainStudio</name>
    <message>
        <source>Cannot save the screenshot to &quot;%1&quot;: check that the folder exists and is writable and that the name ends in .png or .jpg.</source>
        <translation>Не удалось сохранить снимок окна в «%1»: проверьте, что папка существует и доступна для записи, а имя файла оканчивается на .png или .jpg.</translation>
    </message>
    <message>
        <source>TrainStudio: browse training runs and compare their metrics.</source>
        <translation>TrainStudio: просмотр запусков обучения и сравнение их метрик.</translation>
    </message>
    <message>
        <source>Open the experiment store at &lt;path&gt;.</source>
        <translation>Открыть хранилище экспериментов по пути &lt;путь&gt;.</translation>
    </message>
    <message>
        <source>path</source>
        <translation>путь</translation>
    </message>
    <message>
        <source>Select the run &lt;id&gt; at start.</source>
        <translation>Сразу выбрать запуск с номером &lt;номер&gt;.</translation>
    </message>
    <message>
        <source>id</source>
        <translation>номер</translation>
    </message>
    <message>
        <source>Save a screenshot of the window to &lt;file&gt; once the data is loaded, then exit.</source>
        <translation>Сохранить снимок окна в &lt;файл&gt; после загрузки данных и завершить работу.</translation>
    </message>
    <message>
        <source>file</source>
        <translation>файл</translation>
    </message>
    <message>
        <source>--run expects a run ID (a positive number), not &quot;%1&quot;.</source>
        <translation>Параметр --run ожидает номер запуска (положительное число), а не «%1».</translation>
    </message>
    <message>
        <source>The store has no run %1; showing all runs.</source>
        <translation>В хранилище нет запуска %1; показаны все запуски.</translation>
    </message>
    <message>
        <source>TrainStudio — %1</source>
        <translation>TrainStudio — %1</translation>
    </message>
    <message>
        <source>Cannot open the experiment store &quot;%1&quot;: %2. Check the path, or pass another store with --store.</source>
        <translation>Не удалось открыть хранилище экспериментов «%1»: %2. Проверьте путь или укажите другое хранилище с помощью --store.</translation>
    </message>
    <message>
        <source>Compute: unavailable (%1)</source>
        <translation>Вычисления: недоступны (%1)</translation>
    </message>
    <message>
        <source>Compute: %1</source>
        <translation>Вычисления: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) in this store</source>
        <translation>
            <numerusform>%n запуск в хранилище</numerusform>
            <numerusform>%n запуска в хранилище</numerusform>
            <numerusform>%n запусков в хранилище</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot read the runs from &quot;%1&quot;: %2</source>
        <translation>Не удалось прочитать запуски из «%1»: %2</translation>
    </message>
    <message>
        <source>Cannot read the metrics of run %1: %2</source>
        <translation>Не удалось прочитать метрики запуска %1: %2</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Шаг</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation>Потери при обучении</translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation>Точность на тесте</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>Потери</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>Точность</translation>
    </message>
    <message>
        <source>Select a run to see its charts</source>
        <translation>Выберите запуск, чтобы увидеть его графики</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Выполняется</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Завершён</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Сбой</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Отменён</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 ч %2 мин</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 мин %2 с</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 с</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>№</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>Эксперимент</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Запуск</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>Устройство</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Начало</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <source>Do not run a coordinator for the store&apos;s jobs (another process serves them).</source>
        <translation>Не запускать координатор для заданий хранилища (их обслуживает другой процесс).</translation>
    </message>
    <message>
        <source>Start &lt;n&gt; local agents (default: 1 when the store lists no agents, else 0).</source>
        <translation>Запустить &lt;n&gt; локальных агентов (по умолчанию 1, если в хранилище нет агентов, иначе 0).</translation>
    </message>
    <message>
        <source>n</source>
        <translation>n</translation>
    </message>
    <message>
        <source>--local-agents expects a number from 0 to 64, not &quot;%1&quot;.</source>
        <translation>Параметр --local-agents ожидает число от 0 до 64, а не «%1».</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Запуски</translation>
    </message>
    <message>
        <source>Agents and jobs</source>
        <translation>Агенты и задания</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>в очереди</translation>
    </message>
    <message>
        <source>running</source>
        <translation>выполняется</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>приостановлено</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>завершено</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>сбой</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>отменено</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Адрес</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Хост</translation>
    </message>
    <message>
        <source>CPUs</source>
        <translation>ЦП</translation>
    </message>
    <message>
        <source>GPUs</source>
        <translation>ГП</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Приоритет</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Агент</translation>
    </message>
    <message>
        <source>Attempt</source>
        <translation>Попытка</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Сообщение</translation>
    </message>
    <message>
        <source>Add agent…</source>
        <translation>Добавить агента…</translation>
    </message>
    <message>
        <source>Submit pipeline…</source>
        <translation>Отправить конвейер…</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>Отменить задание</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>Агенты</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Задания</translation>
    </message>
    <message>
        <source>Another coordinator serves this store; jobs submitted here run on its agents.</source>
        <translation>Это хранилище обслуживает другой координатор; отправленные отсюда задания выполняются на его агентах.</translation>
    </message>
    <message>
        <source>No coordinator: %1</source>
        <translation>Координатор не запущен: %1</translation>
    </message>
    <message numerus="yes">
        <source>Coordinator on %1 (public key %2), %n local agent(s).</source>
        <translation>
            <numerusform>Координатор на %1 (открытый ключ %2), %n локальный агент.</numerusform>
            <numerusform>Координатор на %1 (открытый ключ %2), %n локальных агента.</numerusform>
            <numerusform>Координатор на %1 (открытый ключ %2), %n локальных агентов.</numerusform>
        </translation>
    </message>
    <message>
        <source>No experiment store is open.</source>
        <translation>Хранилище экспериментов не открыто.</translation>
    </message>
    <message>
        <source>online</source>
        <translation>в сети</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>потерян</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>не подключён</translation>
    </message>
    <message>
        <source>local</source>
        <translation>локальный</translation>
    </message>
    <message>
        <source>Submit a pipeline</source>
        <translation>Отправить конвейер</translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation>Конвейеры (*.json)</translation>
    </message>
    <message>
        <source>Add agent</source>
        <translation>Добавить агента</translation>
    </message>
    <message>
        <source>gpu-box-1</source>
        <translation>gpu-box-1</translation>
    </message>
    <message>
        <source>40 characters, as trainstudio-agent --show-key prints it</source>
        <translation>40 символов, как их выводит trainstudio-agent --show-key</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Имя:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Адрес:</translation>
    </message>
    <message>
        <source>Public key:</source>
        <translation>Открытый ключ:</translation>
    </message>
    <message>
        <source>The coordinator lets an agent in only with the public key it created (trainstudio-agent --init).</source>
        <translation>Координатор впускает агента только с открытым ключом, который тот создал (trainstudio-agent --init).</translation>
    </message>
    <message>
        <source>Choose a pipeline file.</source>
        <translation>Выберите файл конвейера.</translation>
    </message>
    <message>
        <source>The pipeline trains in one process (strategy &quot;local&quot;); choose a strategy for %1 ranks.</source>
        <translation>Конвейер обучается в одном процессе (стратегия &quot;local&quot;); выберите стратегию для %1 рангов.</translation>
    </message>
    <message>
        <source>A parameter server job of %1 ranks with %2 servers has no worker.</source>
        <translation>В задании сервера параметров из %1 рангов с %2 серверами не остаётся ни одного исполнителя.</translation>
    </message>
    <message>
        <source>Submit pipeline</source>
        <translation>Отправка конвейера</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Обзор…</translation>
    </message>
    <message>
        <source>As the pipeline says</source>
        <translation>Как указано в конвейере</translation>
    </message>
    <message>
        <source>All-reduce</source>
        <translation>All-reduce (общая редукция)</translation>
    </message>
    <message>
        <source>Parameter server</source>
        <translation>Сервер параметров</translation>
    </message>
    <message>
        <source>Pipeline stages</source>
        <translation>Конвейерные стадии</translation>
    </message>
    <message>
        <source>Synchronous</source>
        <translation>Синхронный</translation>
    </message>
    <message>
        <source>Asynchronous</source>
        <translation>Асинхронный</translation>
    </message>
    <message>
        <source>Bounded staleness (SSP)</source>
        <translation>Ограниченное устаревание (SSP)</translation>
    </message>
    <message>
        <source>Pipeline:</source>
        <translation>Конвейер:</translation>
    </message>
    <message>
        <source>Ranks:</source>
        <translation>Рангов:</translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation>Приоритет:</translation>
    </message>
    <message>
        <source>Strategy:</source>
        <translation>Стратегия:</translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation>Режим:</translation>
    </message>
    <message>
        <source>Staleness bound:</source>
        <translation>Предел устаревания:</translation>
    </message>
    <message>
        <source>Servers:</source>
        <translation>Серверов:</translation>
    </message>
    <message>
        <source>Micro-batches:</source>
        <translation>Микропакетов:</translation>
    </message>
    <message>
        <source>Cannot read the workers of run %1: %2</source>
        <translation>Не удаётся прочитать исполнителей запуска %1: %2</translation>
    </message>
    <message>
        <source>Workers of the run</source>
        <translation>Исполнители запуска</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Исполнитель</translation>
    </message>
    <message>
        <source>Step p50 (ms)</source>
        <translation>Шаг p50 (мс)</translation>
    </message>
    <message>
        <source>p90</source>
        <translation>p90</translation>
    </message>
    <message>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <source>Staleness</source>
        <translation>Устаревание</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>События</translation>
    </message>
    <message>
        <source>Data (ms)</source>
        <translation>Данные (мс)</translation>
    </message>
    <message>
        <source>Compute (ms)</source>
        <translation>Вычисления (мс)</translation>
    </message>
    <message>
        <source>Waiting (ms)</source>
        <translation>Ожидание (мс)</translation>
    </message>
    <message>
        <source>Staleness of applied updates</source>
        <translation>Устаревание применённых обновлений</translation>
    </message>
    <message>
        <source>Worker %1</source>
        <translation>Исполнитель %1</translation>
    </message>
    <message>
        <source>Steps stale</source>
        <translation>Устаревание, шагов</translation>
    </message>
    <message>
        <source>Updates</source>
        <translation>Обновления</translation>
    </message>
</context>
</TS>
