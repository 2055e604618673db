using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Storage.Documents;

namespace Commerce.Storage.Tests.Contracts;

/// <summary>The behaviour every document adapter must show; one subclass per adapter runs it.</summary>
public abstract class DocumentStoreContract
{
    protected abstract IDocumentStore Store { get; }

    private Task<IDocumentContainer> NewContainerAsync() => Store.GetContainerAsync($"c{Guid.NewGuid():N}"[..20]);

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static JsonNode Parse(StoredDocument document) => JsonNode.Parse(document.Json.Span)!;

    [Fact]
    public async Task Read_of_a_missing_document_is_null()
    {
        var container = await NewContainerAsync();
        Assert.Null(await container.ReadAsync("p1", "nope"));
    }

    [Fact]
    public async Task Created_document_reads_back_with_its_body_and_an_etag()
    {
        var container = await NewContainerAsync();
        var created = await container.CreateAsync("p1", "d1", Json(new { name = "Lamp", price = 12.5m, tags = new[] { "a", "b" }, text = "é ü 漢字 <&>\"" }));
        var read = await container.ReadAsync("p1", "d1");

        Assert.NotNull(read);
        Assert.Equal("p1", read.PartitionKey);
        Assert.Equal("d1", read.Id);
        Assert.False(string.IsNullOrWhiteSpace(read.ETag));
        Assert.Equal(created.ETag, read.ETag);
        var body = Parse(read);
        Assert.Equal("Lamp", (string?)body["name"]);
        Assert.Equal(12.5m, (decimal?)body["price"]);
        Assert.Equal("é ü 漢字 <&>\"", (string?)body["text"]);
        Assert.Equal(2, body["tags"]!.AsArray().Count);
    }

    [Fact]
    public async Task Create_of_an_existing_id_is_a_conflict_and_keeps_the_original()
    {
        var container = await NewContainerAsync();
        await container.CreateAsync("p1", "d1", Json(new { v = 1 }));

        await Assert.ThrowsAsync<DocumentConflictException>(() => container.CreateAsync("p1", "d1", Json(new { v = 2 })));

        Assert.Equal(1, (int?)Parse((await container.ReadAsync("p1", "d1"))!)["v"]);
    }

    [Fact]
    public async Task The_same_id_in_two_partitions_is_two_documents()
    {
        var container = await NewContainerAsync();
        await container.CreateAsync("p1", "d1", Json(new { v = 1 }));
        await container.CreateAsync("p2", "d1", Json(new { v = 2 }));

        Assert.Equal(1, (int?)Parse((await container.ReadAsync("p1", "d1"))!)["v"]);
        Assert.Equal(2, (int?)Parse((await container.ReadAsync("p2", "d1"))!)["v"]);
    }

    [Fact]
    public async Task Upsert_creates_then_overwrites_and_every_write_changes_the_etag()
    {
        var container = await NewContainerAsync();
        var first = await container.UpsertAsync("p1", "d1", Json(new { v = 1 }));
        var second = await container.UpsertAsync("p1", "d1", Json(new { v = 2 }));

        Assert.NotEqual(first.ETag, second.ETag);
        var read = await container.ReadAsync("p1", "d1");
        Assert.Equal(second.ETag, read!.ETag);
        Assert.Equal(2, (int?)Parse(read)["v"]);
    }

    [Fact]
    public async Task Replace_with_the_current_etag_succeeds_and_with_a_stale_one_fails_without_change()
    {
        var container = await NewContainerAsync();
        var original = await container.CreateAsync("p1", "d1", Json(new { v = 1 }));
        var replaced = await container.ReplaceAsync("p1", "d1", Json(new { v = 2 }), original.ETag);
        Assert.NotEqual(original.ETag, replaced.ETag);

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => container.ReplaceAsync("p1", "d1", Json(new { v = 3 }), original.ETag));

        var read = await container.ReadAsync("p1", "d1");
        Assert.Equal(2, (int?)Parse(read!)["v"]);
        Assert.Equal(replaced.ETag, read!.ETag);
    }

    [Fact]
    public async Task Replace_of_a_missing_document_is_not_found()
    {
        var container = await NewContainerAsync();
        var other = await container.CreateAsync("p1", "other", Json(new { v = 1 }));

        await Assert.ThrowsAsync<DocumentNotFoundException>(() => container.ReplaceAsync("p1", "missing", Json(new { v = 2 }), other.ETag));
        Assert.Null(await container.ReadAsync("p1", "missing"));
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_replaces_with_the_same_etag_wins()
    {
        var container = await NewContainerAsync();
        var original = await container.CreateAsync("p1", "counter", Json(new { v = 0 }));

        var attempts = Enumerable.Range(1, 16).Select(async i =>
        {
            try
            {
                await container.ReplaceAsync("p1", "counter", Json(new { v = i }), original.ETag);
                return true;
            }
            catch (DocumentPreconditionFailedException)
            {
                return false;
            }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(1, outcomes.Count(won => won));
    }

    private sealed record Tally(int Count);

    [Fact]
    public async Task Concurrent_read_modify_writes_of_a_missing_document_lose_no_increment()
    {
        var container = await NewContainerAsync();

        await Task.WhenAll(Enumerable.Range(0, 24).Select(_ =>
            container.ChangeAsync<Tally>("p1", "tally", current => new Tally((current?.Count ?? 0) + 1))));

        Assert.Equal(24, (await container.ReadAsync<Tally>("p1", "tally"))!.Value.Value.Count);
    }

    [Fact]
    public async Task A_change_that_keeps_losing_the_race_stops_after_the_bounded_attempts_with_a_clear_exception()
    {
        var inner = await NewContainerAsync();
        await inner.CreateAsync("p1", "tally", new Tally(0));
        var rival = new RivalWriter(inner, rivalWrites: 100);
        var decided = 0;

        var failure = await Assert.ThrowsAsync<DocumentContentionException>(() => rival.ChangeAsync<Tally>("p1", "tally", current =>
        {
            decided++;
            return new Tally(current!.Count + 1000);
        }));

        Assert.Equal(DocumentConflicts.MaxAttempts, decided);
        Assert.Equal(decided, failure.Attempts);
        Assert.Equal(decided, rival.Writes);
        Assert.Contains("tally", failure.Message, StringComparison.Ordinal);
        Assert.Contains(inner.Name, failure.Message, StringComparison.Ordinal);
        // Only the rival's writes landed: each is a +1, none of the change's +1000.
        Assert.Equal(rival.Writes, (await inner.ReadAsync<Tally>("p1", "tally"))!.Value.Value.Count);
    }

    /// <summary>The real container, with another writer that changes the document just before each conditional write (as long as it has writes left).</summary>
    private sealed class RivalWriter(IDocumentContainer inner, int rivalWrites) : IDocumentContainer
    {
        public int Writes { get; private set; }

        public string Name => inner.Name;

        public Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default) => inner.ReadAsync(partitionKey, id, cancellationToken);

        public Task<StoredDocument> CreateAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default) =>
            inner.CreateAsync(partitionKey, id, json, cancellationToken);

        public Task<StoredDocument> UpsertAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default) =>
            inner.UpsertAsync(partitionKey, id, json, cancellationToken);

        public async Task<StoredDocument> ReplaceAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, string ifMatch, CancellationToken cancellationToken = default)
        {
            if (Writes < rivalWrites)
            {
                var current = (await inner.ReadAsync<Tally>(partitionKey, id, cancellationToken))!.Value.Value;
                await inner.UpsertAsync(partitionKey, id, new Tally(current.Count + 1), cancellationToken);
                Writes++;
            }
            return await inner.ReplaceAsync(partitionKey, id, json, ifMatch, cancellationToken);
        }

        public Task<bool> DeleteAsync(string partitionKey, string id, string? ifMatch = null, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(partitionKey, id, ifMatch, cancellationToken);

        public Task<DocumentPage> QueryAsync(string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(partitionKey, query, cancellationToken);
    }

    [Fact]
    public async Task A_change_that_returns_null_or_the_same_value_writes_nothing()
    {
        var container = await NewContainerAsync();
        Assert.Null(await container.ChangeAsync<Tally>("p1", "tally", _ => null));
        Assert.Null(await container.ReadAsync("p1", "tally"));

        var created = await container.CreateAsync("p1", "tally", new Tally(5));
        var kept = await container.ChangeAsync<Tally>("p1", "tally", current => current);

        Assert.Equal(5, kept!.Count);
        Assert.Equal(created.ETag, (await container.ReadAsync("p1", "tally"))!.ETag);
    }

    [Fact]
    public async Task Delete_removes_and_reports_whether_there_was_a_document()
    {
        var container = await NewContainerAsync();
        await container.CreateAsync("p1", "d1", Json(new { v = 1 }));

        Assert.True(await container.DeleteAsync("p1", "d1"));
        Assert.Null(await container.ReadAsync("p1", "d1"));
        Assert.False(await container.DeleteAsync("p1", "d1"));
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_fails_and_keeps_the_document()
    {
        var container = await NewContainerAsync();
        var first = await container.CreateAsync("p1", "d1", Json(new { v = 1 }));
        var second = await container.UpsertAsync("p1", "d1", Json(new { v = 2 }));

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => container.DeleteAsync("p1", "d1", first.ETag));
        Assert.NotNull(await container.ReadAsync("p1", "d1"));
        Assert.True(await container.DeleteAsync("p1", "d1", second.ETag));
    }

    [Fact]
    public async Task A_recreated_document_does_not_accept_the_etag_of_its_previous_life()
    {
        var container = await NewContainerAsync();
        var first = await container.CreateAsync("p1", "d1", Json(new { v = 1 }));
        await container.DeleteAsync("p1", "d1");
        await container.CreateAsync("p1", "d1", Json(new { v = 1 }));

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => container.ReplaceAsync("p1", "d1", Json(new { v = 2 }), first.ETag));
    }

    [Fact]
    public async Task Bodies_that_are_not_json_objects_and_bad_ids_are_rejected()
    {
        var container = await NewContainerAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => container.CreateAsync("p1", "d1", Encoding.UTF8.GetBytes("[1,2]")));
        await Assert.ThrowsAsync<ArgumentException>(() => container.CreateAsync("p1", "d1", Encoding.UTF8.GetBytes("{\"a\":")));
        await Assert.ThrowsAsync<ArgumentException>(() => container.UpsertAsync("p1", "a/b", Json(new { v = 1 })));
        await Assert.ThrowsAsync<ArgumentException>(() => container.UpsertAsync("p1", "", Json(new { v = 1 })));
        await Assert.ThrowsAsync<ArgumentException>(() => container.UpsertAsync("", "d1", Json(new { v = 1 })));
        Assert.Null(await container.ReadAsync("p1", "d1"));
    }

    [Fact]
    public async Task Large_documents_round_trip()
    {
        var container = await NewContainerAsync();
        var text = string.Concat(Enumerable.Repeat("0123456789abcdef", 20_000));
        await container.UpsertAsync("p1", "big", Json(new { text }));

        Assert.Equal(text, (string?)Parse((await container.ReadAsync("p1", "big"))!)["text"]);
    }

    private async Task<IDocumentContainer> SeededAsync()
    {
        var container = await NewContainerAsync();
        for (var i = 1; i <= 25; i++)
        {
            await container.CreateAsync("shop", $"o{i:D2}", Json(new
            {
                number = i,
                status = i % 3 == 0 ? "Cancelled" : "Placed",
                total = i * 10.5m,
                vip = i % 5 == 0,
                customer = new { id = $"cust-{i % 4}" },
                note = i % 2 == 0 ? null : "odd",
            }));
        }
        await container.CreateAsync("elsewhere", "o01", Json(new { number = 1, status = "Placed" }));
        return container;
    }

    private static List<int> Numbers(IEnumerable<StoredDocument> documents) => documents.Select(d => (int)Parse(d)["number"]!).ToList();

    [Fact]
    public async Task Query_filters_by_equality_within_one_partition()
    {
        var container = await SeededAsync();
        var page = await container.QueryAsync("shop", DocumentQuery.All.Where("status", "Cancelled").Where("customer.id", "cust-1") with { OrderBy = "number" });

        Assert.Equal([9, 21], Numbers(page.Items));
        Assert.All(page.Items, d => Assert.Equal("shop", d.PartitionKey));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Query_filters_by_ranges_booleans_nulls_and_prefixes()
    {
        var container = await SeededAsync();

        var range = await container.QueryAsync("shop", DocumentQuery.All
            .Where("total", FilterOperator.GreaterThan, 100m)
            .Where("total", FilterOperator.LessThanOrEqual, 157.5) with { OrderBy = "number" });
        Assert.Equal([10, 11, 12, 13, 14, 15], Numbers(range.Items));

        var vip = await container.QueryAsync("shop", DocumentQuery.All.Where("vip", true) with { OrderBy = "number" });
        Assert.Equal([5, 10, 15, 20, 25], Numbers(vip.Items));

        var noNote = await container.QueryAsync("shop", DocumentQuery.All.Where("note", null).Where("number", FilterOperator.LessThan, 7) with { OrderBy = "number" });
        Assert.Equal([2, 4, 6], Numbers(noNote.Items));

        var notPlaced = await container.QueryAsync("shop", DocumentQuery.All.Where("status", FilterOperator.NotEqual, "Placed") with { OrderBy = "number" });
        Assert.Equal([3, 6, 9, 12, 15, 18, 21, 24], Numbers(notPlaced.Items));

        var prefix = await container.QueryAsync("shop", DocumentQuery.All.Where("customer.id", FilterOperator.StartsWith, "cust-3") with { OrderBy = "number" });
        Assert.Equal([3, 7, 11, 15, 19, 23], Numbers(prefix.Items));
    }

    [Fact]
    public async Task Query_pages_with_continuation_tokens_in_order_without_gaps_or_repeats()
    {
        var container = await SeededAsync();
        var query = DocumentQuery.All with { OrderBy = "number", Descending = true, PageSize = 7 };
        var seen = new List<int>();
        var pages = 0;
        while (true)
        {
            var page = await container.QueryAsync("shop", query);
            pages++;
            Assert.True(page.Items.Count <= 7);
            seen.AddRange(Numbers(page.Items));
            if (page.ContinuationToken is null)
                break;
            query = query with { ContinuationToken = page.ContinuationToken };
        }

        Assert.Equal(Enumerable.Range(1, 25).Reverse().ToList(), seen);
        Assert.InRange(pages, 4, 5);
    }

    [Fact]
    public async Task Query_of_an_empty_partition_is_an_empty_page()
    {
        var container = await SeededAsync();
        var page = await container.QueryAsync("nobody", DocumentQuery.All);

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Query_rejects_bad_paths_and_page_sizes()
    {
        var container = await NewContainerAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => container.QueryAsync("p", DocumentQuery.All.Where("a;drop", 1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => container.QueryAsync("p", DocumentQuery.All with { PageSize = 0 }));
    }

    [Fact]
    public async Task Health_reports_ready_with_the_adapter_name()
    {
        var health = await Store.CheckHealthAsync();

        Assert.True(health.Ready, health.Detail);
        Assert.Equal("documents", health.Store);
        Assert.Equal(Store.Adapter, health.Adapter);
    }
}
