# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
COPY C:\src\app C:\app
RUN powershell -Command `
    $ErrorActionPreference = Stop; `
    Write-Host hello
WORKDIR C:\app
