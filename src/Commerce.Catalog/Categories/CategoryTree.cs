namespace Commerce.Catalog.Categories;

/// <summary>The category tree, for walking up (price lists, promotions, attribute dictionaries) and down (listing filters).</summary>
public sealed class CategoryTree
{
    private readonly Dictionary<string, Category> _byId;
    private readonly ILookup<string, Category> _children;

    public CategoryTree(IEnumerable<Category> categories)
    {
        _byId = categories.ToDictionary(c => c.Id, StringComparer.OrdinalIgnoreCase);
        _children = _byId.Values.Where(c => c.ParentId is not null).ToLookup(c => c.ParentId!, StringComparer.OrdinalIgnoreCase);
    }

    public static CategoryTree Empty { get; } = new([]);

    public IReadOnlyCollection<Category> All => _byId.Values;

    public Category? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The category, its parent, and so on up to the root.</summary>
    public IReadOnlyList<string> PathOf(string id)
    {
        var path = new List<string>();
        for (var current = Find(id); current is not null && path.Count < 64; current = current.ParentId is null ? null : Find(current.ParentId))
            path.Add(current.Id);
        return path;
    }

    /// <summary>The category and every category below it.</summary>
    public HashSet<string> SubtreeOf(string id)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([id]);
        while (pending.TryPop(out var next))
        {
            if (found.Add(next))
            {
                foreach (var child in _children[next])
                    pending.Push(child.Id);
            }
        }
        return found;
    }

    /// <summary>The attribute dictionary that applies to products of a category: its own entries and its ancestors'.</summary>
    public IEnumerable<AttributeDefinition> AttributesOf(string id) =>
        PathOf(id).Select(Find).SelectMany(c => c!.Attributes).DistinctBy(a => a.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Errors naming fields, or none, for putting <paramref name="category"/> into this tree.</summary>
    public Dictionary<string, string[]> Validate(Category category)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(category.Id) || category.Id.Length > 64 || !category.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            errors["id"] = ["must be 1-64 letters, digits, '-' or '_'"];
        if (string.IsNullOrWhiteSpace(category.Name))
            errors["name"] = ["is required"];
        if (category.ParentId is not null)
        {
            if (Find(category.ParentId) is null)
                errors["parentId"] = [$"'{category.ParentId}' is not a known category"];
            else if (PathOf(category.ParentId).Contains(category.Id, StringComparer.OrdinalIgnoreCase))
                errors["parentId"] = ["would make the tree a cycle"];
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (attribute, index) in category.Attributes.Select((a, i) => (a, i)))
        {
            if (string.IsNullOrWhiteSpace(attribute.Name) || !names.Add(attribute.Name))
                errors[$"attributes[{index}].name"] = ["is required and unique within the category"];
            if (attribute.Type == AttributeType.Enum && (attribute.AllowedValues is null || attribute.AllowedValues.Count == 0))
                errors[$"attributes[{index}].allowedValues"] = ["an enum attribute needs its allowed values"];
        }
        return errors;
    }
}
