using Commerce.Catalog.Customers;
using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Orders.Orders;
using DuckDB.NET.Data;

namespace Commerce.Analytics.Lake;

/// <summary>What one write brings to the lake. Orders are written when they are finished; their lines only when completed.</summary>
public sealed record LakeBatch(
    IReadOnlyList<BehaviourEvent> ClientEvents,
    IReadOnlyList<SystemEvent> SystemEvents,
    IReadOnlyList<Order> Orders,
    IReadOnlyList<Customer> Customers,
    DateTimeOffset SnapshotAt)
{
    /// <summary>The category of an item when it was written, where the shop has one.</summary>
    public Func<string, string?> CategoryOf { get; init; } = _ => null;
}

/// <summary>Rows written per table (rows the lake held already are not written again).</summary>
public sealed record LakeWriteResult(int Events, int Orders, int OrderLines, int Customers);

/// <summary>
/// Turns a batch into Parquet files, one per table and day, and puts them in the lake. Rows are first
/// checked against the lake's files of the same days by their table's key, so a batch written twice (a
/// compaction retried after a crash, a history imported again) adds nothing.
/// </summary>
public sealed class LakeWriter(Lake lake) : IDisposable
{
    // Opening a DuckDB database costs about as much as a compaction round's own work: one stays open, and each
    // write gets a connection to it and a schema of its own, so writes at the same time never share a table.
    private readonly Lazy<DuckDBConnection> _database = new(() =>
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        return connection;
    });
    private long _writes;

    public async Task<LakeWriteResult> WriteAsync(LakeBatch batch, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Value.Duplicate();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var schema = $"write_{Interlocked.Increment(ref _writes)}";
        LakeSession.Execute(connection, $"CREATE SCHEMA {schema}; SET schema = '{schema}'");
        var work = Path.Combine(Path.GetTempPath(), $"lake-write-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var run = $"{batch.SnapshotAt.UtcTicks:D19}-{Guid.NewGuid():N}"[..32];
            var events = await WriteTableAsync(connection, schema, LakeTables.Events, work, run, appender =>
            {
                foreach (var e in batch.ClientEvents)
                    AppendClient(appender, e);
                foreach (var e in batch.SystemEvents)
                    AppendSystem(appender, e);
                return batch.ClientEvents.Count + batch.SystemEvents.Count;
            }, cancellationToken).ConfigureAwait(false);
            var finished = batch.Orders.Where(o => o.IsFinished).ToList();
            var orders = await WriteTableAsync(connection, schema, LakeTables.Orders, work, run, appender =>
            {
                foreach (var order in finished)
                    AppendOrder(appender, order);
                return finished.Count;
            }, cancellationToken).ConfigureAwait(false);
            var completed = batch.Orders.Where(o => o.Status == OrderStatus.Completed).ToList();
            var lines = await WriteTableAsync(connection, schema, LakeTables.OrderLines, work, run, appender =>
            {
                foreach (var order in completed)
                    AppendLines(appender, order, batch.CategoryOf);
                return completed.Sum(o => o.Lines.Count + o.Returns.Count);
            }, cancellationToken).ConfigureAwait(false);
            var customers = await WriteTableAsync(connection, schema, LakeTables.Customers, work, run, appender =>
            {
                foreach (var customer in batch.Customers)
                    AppendCustomer(appender, customer, batch.SnapshotAt);
                return batch.Customers.Count;
            }, cancellationToken).ConfigureAwait(false);
            return new LakeWriteResult(events, orders, lines, customers);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            LakeSession.Execute(connection, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    public void Dispose()
    {
        if (_database.IsValueCreated)
            _database.Value.Dispose();
    }

    /// <param name="fill">appends the table's rows and says how many.</param>
    private async Task<int> WriteTableAsync(DuckDBConnection connection, string schema, LakeTable table, string work, string run, Func<DuckDBAppender, int> fill, CancellationToken cancellationToken)
    {
        LakeSession.Execute(connection, $"CREATE TABLE incoming_{table.Name} ({table.Definition})");
        using (var appender = connection.CreateAppender(schema, $"incoming_{table.Name}"))
        {
            if (fill(appender) == 0)
                return 0;
        }
        LakeSession.Execute(connection, $"CREATE TABLE unique_{table.Name} AS SELECT DISTINCT ON ({table.KeyList}) *, CAST({table.TimeColumn} AS DATE) AS date FROM incoming_{table.Name}");
        var days = new List<DateOnly>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT DISTINCT date FROM unique_{table.Name}";
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                days.Add(reader.GetFieldValue<DateOnly>(0));
        }
        if (days.Count == 0)
            return 0;
        var existing = await lake.FilesAsync(table, days, cancellationToken).ConfigureAwait(false);
        LakeSession.Execute(connection, existing.Count == 0
            ? $"CREATE TABLE fresh_{table.Name} AS SELECT * FROM unique_{table.Name}"
            : $"CREATE TABLE fresh_{table.Name} AS SELECT n.* FROM unique_{table.Name} n ANTI JOIN read_parquet({LakeSession.FileList(existing)}, union_by_name = true) e ON {table.SameKey("n", "e")}");

        int rows;
        using (var count = connection.CreateCommand())
        {
            count.CommandText = $"SELECT count(*) FROM fresh_{table.Name}";
            rows = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (rows == 0)
            return 0;
        var output = Path.Combine(work, table.Name);
        LakeSession.Execute(connection, $"""
            COPY (SELECT {table.ColumnList}, date FROM fresh_{table.Name})
            TO '{output.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date))
            """);
        foreach (var folder in Directory.EnumerateDirectories(output, "date=*"))
        {
            var day = DateOnly.ParseExact(Path.GetFileName(folder)["date=".Length..], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var parts = Directory.EnumerateFiles(folder, "*.parquet").Order(StringComparer.Ordinal).ToList();
            for (var i = 0; i < parts.Count; i++)
            {
                var name = parts.Count == 1 ? $"part-{run}.parquet" : $"part-{run}-{i}.parquet";
                await lake.PutAsync(Lake.BlobName(table, day, name), await File.ReadAllBytesAsync(parts[i], cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
        }
        return rows;
    }

    private static DateTime Utc(DateTimeOffset time) => time.UtcDateTime;

    private static DateTime? Utc(DateTimeOffset? time) => time?.UtcDateTime;

    private static void AppendClient(DuckDBAppender appender, BehaviourEvent e) => appender.CreateRow()
        .AppendValue(e.Id).AppendValue(e.Type).AppendValue("client").AppendValue(Utc(e.Time)).AppendValue(Utc(e.ReceivedAt))
        .AppendValue(Utc(e.ClientTime)).AppendValue(e.ClockSkewed).AppendValue(e.CustomerId).AppendValue(e.DeviceId)
        .AppendValue((string?)null).AppendValue((long?)null).AppendValue(e.Sku).AppendValue(e.Query).AppendValue(e.Slot).AppendValue(e.Position)
        .AppendValue(e.Experiment).AppendValue(e.Variant).AppendValue((string?)null).AppendValue((decimal?)null).AppendValue((string?)null)
        .AppendValue((int?)null).AppendValue((string?)null).AppendValue((string?)null).AppendValue((string?)null).AppendValue((string?)null)
        .AppendValue((double?)null).AppendValue((string?)null)
        .EndRow();

    private static void AppendSystem(DuckDBAppender appender, SystemEvent e) => appender.CreateRow()
        .AppendValue(e.Id).AppendValue(e.Type).AppendValue("system").AppendValue(Utc(e.Time)).AppendValue(Utc(e.Time))
        .AppendValue((DateTime?)null).AppendValue(false).AppendValue(e.CustomerId).AppendValue((string?)null)
        .AppendValue(e.Subject).AppendValue(e.Sequence).AppendValue(e.Sku).AppendValue((string?)null).AppendValue((string?)null).AppendValue((int?)null)
        .AppendValue(e.Experiment).AppendValue(e.Variant).AppendValue(e.OrderId).AppendValue(e.Amount).AppendValue(e.Currency)
        .AppendValue(e.Quantity).AppendValue(e.Channel).AppendValue(e.Operation).AppendValue(e.Outcome).AppendValue(e.DeclineCode)
        .AppendValue(e.DurationMs).AppendValue(e.Reason)
        .EndRow();

    private static void AppendOrder(DuckDBAppender appender, Order o) => appender.CreateRow()
        .AppendValue(o.Id).AppendValue(o.CustomerId).AppendValue(o.Status.ToString()).AppendValue(o.CancellationReason).AppendValue(o.Currency)
        .AppendValue(o.Total).AppendValue(o.Lines.Sum(l => l.Quantity)).AppendValue(o.Lines.Count).AppendValue(o.Returns.Sum(r => r.Amount))
        .AppendValue(o.PaymentMethod).AppendValue(o.Coupon).AppendValue(o.ShippingAddress?.Country)
        .AppendValue(Utc(o.PlacedAt)).AppendValue(Utc(o.PaidAt)).AppendValue(Utc(o.CompletedAt)).AppendValue(Utc(o.CancelledAt))
        .AppendValue(o.ProcessingTime?.TotalMilliseconds)
        .EndRow();

    private static void AppendLines(DuckDBAppender appender, Order o, Func<string, string?> categoryOf)
    {
        var number = 0;
        foreach (var line in o.Lines)
        {
            appender.CreateRow()
                .AppendValue(o.Id).AppendValue((++number).ToString(System.Globalization.CultureInfo.InvariantCulture)).AppendValue("sale").AppendValue((string?)null)
                .AppendValue(o.CustomerId).AppendValue(line.Sku).AppendValue(line.Name).AppendValue(categoryOf(line.Sku)).AppendValue(line.Quantity)
                .AppendValue(line.UnitPrice).AppendValue(line.LineTotal).AppendValue(line.ListUnitPrice).AppendValue(line.Discounted)
                .AppendValue(o.Currency).AppendValue(o.ShippingAddress?.Country).AppendValue(Utc(o.PlacedAt))
                .EndRow();
        }
        foreach (var returned in o.Returns)
        {
            appender.CreateRow()
                .AppendValue(o.Id).AppendValue("return:" + returned.Key).AppendValue("return").AppendValue(returned.ReturnId)
                .AppendValue(o.CustomerId).AppendValue(returned.Sku).AppendValue(returned.Name).AppendValue(categoryOf(returned.Sku)).AppendValue(-returned.Quantity)
                .AppendValue(returned.UnitPrice).AppendValue(-returned.Amount).AppendValue((decimal?)null).AppendValue(false)
                .AppendValue(o.Currency).AppendValue(o.ShippingAddress?.Country).AppendValue(Utc(returned.At))
                .EndRow();
        }
    }

    private static void AppendCustomer(DuckDBAppender appender, Customer c, DateTimeOffset snapshotAt) => appender.CreateRow()
        .AppendValue(c.Id).AppendValue(c.Kind.ToString()).AppendValue(c.Country).AppendValue(c.CompanyName).AppendValue(c.Industry)
        .AppendValue(c.CompanySize).AppendValue(c.MembershipTier.ToString()).AppendValue(Utc(c.CreatedAt)).AppendValue(Utc(snapshotAt))
        .EndRow();
}
