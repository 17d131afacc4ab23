; Inno Setup script for the Windows installer of Wavescribe.
; packaging/build.py compiles it with Inno Setup 6 when `iscc` is on PATH:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\wavescribe /DOutputDir=dist
;        /DOutputName=wavescribe-0.1.0-windows-x64-cpu-setup /DIconFile=build\packaging\icons\wavescribe.ico
; Per-user install by default (no administrator rights needed), with the choice of all users.

#ifndef AppVersion
  #error Pass /DAppVersion=... (packaging/build.py does)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\wavescribe"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputName
  #define OutputName "wavescribe-" + AppVersion + "-setup"
#endif

[Setup]
AppId={{6C7E6F0A-3B0D-4D55-9E0F-8B1E5A7C2D41}
AppName=Wavescribe
AppVersion={#AppVersion}
AppPublisher=Wavescribe
AppComments=Offline audio and video to subtitles
DefaultDirName={autopf}\Wavescribe
DefaultGroupName=Wavescribe
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\wavescribe.exe
#ifdef IconFile
SetupIconFile={#IconFile}
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Wavescribe"; Filename: "{app}\wavescribe.exe"
Name: "{autodesktop}\Wavescribe"; Filename: "{app}\wavescribe.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\wavescribe.exe"; Description: "{cm:LaunchProgram,Wavescribe}"; Flags: nowait postinstall skipifsilent
