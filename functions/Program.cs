using Commerce.Functions.Health;
using Commerce.Hosting;

var app = FunctionAppBuilder.Create(args);
app.Functions.MapHealthApi();
return await app.RunAsync();
