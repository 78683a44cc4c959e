using System.Net.Http.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// The embedded default keeps its reminders in its own memory, so a connection does not arm its outbox reminder ahead
/// of an event's write (it would protect nothing); a forward that fails arms it, and the event still goes out.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OutboxReminderApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private static readonly GrainId Webhooks = GrainId.Create("tenant-webhooks", "tenant-a");
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static GrainId Connection(string id) => GrainId.Create("connection", ConnectionKeys.For("tenant-a", id));

    private Task<ReminderEntry?> OutboxReminder(string id) =>
        fixture.Services.GetRequiredService<IReminderTable>().ReadRow(Connection(id), "outbox")!;

    private bool Heard(string id) =>
        _receiver.Received.Any(r => r.Type == WebhookEventTypes.Authorized && r.Json.GetProperty("connection").GetProperty("id").GetString() == id);

    [Fact]
    public async Task An_event_is_handed_on_without_the_outbox_reminder_and_a_failed_forward_arms_it_until_the_event_is_stored()
    {
        using var api = fixture.Client();
        var hook = $"outbox-{Guid.NewGuid():N}";
        (await api.PutAsJsonAsync($"/api/webhooks/{hook}", new { url = _receiver.Url, events = new[] { WebhookEventTypes.Authorized } })).EnsureSuccessStatusCode();
        try
        {
            // The connection's change is written and its event on its way to the webhooks grain: no reminder was armed.
            var first = ApiFixture.NewId();
            Task<HttpResponseMessage> connecting;
            using (var hold = fixture.Storage.HoldWrites(Webhooks))
            {
                connecting = fixture.ConnectAsync(api, first);
                await ClusterWithSandbox.Eventually(() => Task.FromResult(hold.Waiting), because: "the connection hands its event on");
                Assert.Null(await OutboxReminder(first));
            }

            (await connecting).EnsureSuccessStatusCode();
            await ClusterWithSandbox.Eventually(() => Task.FromResult(Heard(first)), because: "the event is delivered");

            // The webhooks grain cannot store the event: the connection arms the reminder, and hands the event on later.
            var second = ApiFixture.NewId();
            fixture.Storage.FailWrites(Webhooks);
            try
            {
                (await fixture.ConnectAsync(api, second)).EnsureSuccessStatusCode();
                Assert.NotNull(await OutboxReminder(second));
                Assert.False(Heard(second));
            }
            finally
            {
                fixture.Storage.RestoreWrites(Webhooks);
            }

            await ClusterWithSandbox.Eventually(async () =>
            {
                fixture.Time.Advance(TimeSpan.FromSeconds(5));
                return Heard(second) && await OutboxReminder(second) is null;
            }, because: "the forward is retried, the event delivered and the reminder removed");
            Assert.Null(await OutboxReminder(first));
        }
        finally
        {
            await api.DeleteAsync($"/api/webhooks/{hook}");
        }
    }
}
