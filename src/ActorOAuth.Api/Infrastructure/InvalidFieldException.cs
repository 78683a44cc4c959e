namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// A request field that is not valid, thrown where the check is shared by many handlers (the connection id).
/// <see cref="ProblemMapping"/> answers it as a validation problem: 400, <c>errors: { field: [message] }</c>.
/// </summary>
public sealed class InvalidFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
