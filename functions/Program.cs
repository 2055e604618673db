using Commerce.Functions;
using Commerce.Hosting;

return await FunctionAppBuilder.RunAsync(args, CommerceApp.Configure);
