import { Module } from '@nestjs/common';
import { AppController } from './app.controller.js';
import { Received } from './received.js';

@Module({ controllers: [AppController], providers: [Received] })
export class AppModule {}
