"""Speech for MOT Coach: audio decoding and probing, Whisper, segmenting into turns, speakers.

Settings-free (no Django): the app (calls/) reads its settings and passes explicit options, the
way it uses tone/. Modules:

audio          probe and decode uploads with PyAV (what a file is comes from its content)
model_files    assemble and verify the bundled Whisper model
transcription  the Whisper adapter, hallucination guard and the one transcribe_file path

"""
