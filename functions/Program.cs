using Commerce.Functions;

return await CommerceApp.CreateBuilder(args).RunAsync();
