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
</context>
</TS>
