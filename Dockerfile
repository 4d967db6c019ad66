# Two stages: the SDK builds and publishes; the smaller ASP.NET runtime image runs the bot as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props OperationCodeMentor.sln ./
COPY src/OperationCodeMentor/OperationCodeMentor.csproj src/OperationCodeMentor/
RUN dotnet restore src/OperationCodeMentor/OperationCodeMentor.csproj
COPY src/ src/
RUN dotnet publish src/OperationCodeMentor/OperationCodeMentor.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# The runtime image sets ASPNETCORE_HTTP_PORTS=8080, which would win over PORT; clear it so PORT (or the default
# 3000) decides, as on any other platform.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# The embedded store and its work queue live here; mount a volume to keep them. With PostgreSQL (DATABASE_URL) both
# are in the database and nothing here needs keeping.
RUN mkdir -p /app/data && chown app:app /app/data
VOLUME /app/data
USER app
EXPOSE 3000
ENTRYPOINT ["dotnet", "OperationCodeMentor.dll"]
