namespace Commerce.Storage;

/// <summary>Azure's naming rule for containers and queues, applied by every adapter so that names stay portable between them.</summary>
public static class StorageNames
{
    public static void Validate(string kind, string name)
    {
        var valid = name is { Length: >= 3 and <= 63 }
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
            throw new ArgumentException($"'{name}' is not a valid {kind} name: 3-63 lowercase letters, digits and single hyphens.", nameof(name));
    }
}
